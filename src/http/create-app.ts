/** Builds the express application: public endpoints, then auth → spec validation → organization scope → routes. */
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import { stringify as toYaml } from 'yaml';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Config } from '../config.js';
import type { Db } from '../db/create-db.js';
import { DatabaseUnavailableError, NotFoundError, NotImplementedError } from '../errors.js';
import type { CallbackContracts } from '../spec/callback-contracts.js';
import type { CallbackContext } from '../callbacks/callback-context.js';
import type { DeliveryMetrics } from '../delivery/delivery-metrics.js';
import { authenticate } from './authenticate.js';
import { errorHandler } from './error-handler.js';
import { RateLimiter } from './rate-limiter.js';
import { refuseEmptySegments } from './refuse-empty-segments.js';
import { refuseLooseNumbers } from './refuse-loose-numbers.js';
import { refuseUnstorableInput } from './refuse-unstorable-input.js';
import { scope } from './scope.js';
import { organizationRoutes } from '../organizations/organization.routes.js';
import { networkRoutes } from '../organizations/network.routes.js';
import { deviceRoutes } from '../organizations/device.routes.js';
import { ssidRoutes } from '../organizations/ssid.routes.js';
import { dongleDeviceRoutes } from '../dongle/dongle-device.routes.js';
import { httpServerRoutes } from '../webhooks/http-server.routes.js';
import { payloadTemplateRoutes } from '../webhooks/payload-template.routes.js';
import { callbackStatusRoutes } from '../webhooks/callback-status.routes.js';
import { webhookLogRoutes } from '../webhooks/webhook-log.routes.js';
import { webhookTestRoutes } from '../webhooks/webhook-test.routes.js';
import { liveToolRoutes } from '../live-tools/live-tool.routes.js';
import type { LiveToolRunner } from '../live-tools/job-runner.js';
import { actionBatchRoutes } from '../action-batches/action-batch.routes.js';
import type { ActionBatchRunner } from '../action-batches/action-batch-runner.js';
import { dongleCommandRoutes } from '../dongle/dongle-command.routes.js';
import type { DongleCommandRunner } from '../dongle/dongle-command-runner.js';

/** How long `/readyz` waits for the database to answer, in milliseconds. */
const READY_TIMEOUT_MS = 2_000;

/** Everything the routes need, built once at start. */
export interface AppContext {
  config: Config;
  db: Db;
  logger: Logger;
  spec: OpenAPIV3_1.Document;
  contracts: CallbackContracts;
  /** Per-organization request budget. */
  rateLimiter: RateLimiter;
  /** Callback creation, payload contracts, templates, secrets and destination policy. */
  callbacks: CallbackContext;
  metrics: DeliveryMetrics;
  /** Runs live tool jobs; routes submit each new job to it. */
  liveTools: LiveToolRunner;
  /** Runs confirmed asynchronous action batches; routes wake it and share its spec-compiled action operations. */
  actionBatches: ActionBatchRunner;
  /** Settles dongle commands at their answer and timeout times; routes wake it after each new command. */
  dongleCommands: DongleCommandRunner;
}

/** Creates the app (it does not listen). */
export function createApp(ctx: AppContext): Express {
  const { db, logger, spec, rateLimiter } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Paths are case-sensitive. The spec validator follows this setting, so it and the routers agree on what a path
  // names: `/DONGLE/DEVICES/…` answers the validator's 404 instead of reaching a route without its scope.
  app.set('case sensitive routing', true);
  // Request logs are info lines: below that level pino-http would still build a child logger per request (a tenth of a
  // simple request's CPU, measured) to write nothing. Our 5xx are logged by the error handler either way.
  if (logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger,
        // A client's mistake (4xx) is routine; 5xx are our bugs (501 stands for a documented operation that lost its route),
        // except 503, a database outage, already logged once by the error handler.
        customLogLevel: (_req, res) => (res.statusCode === 503 ? 'warn' : res.statusCode >= 500 ? 'error' : 'info'),
      }),
    );
  }
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseUnstorableInput());

  app.get('/healthz', async (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness, unlike liveness, depends on the database; the probe is bounded, so it answers even when the database does not.
  app.get('/readyz', async (_req, res) => {
    try {
      await db.ping(READY_TIMEOUT_MS);
    } catch (err) {
      // The kind of failure, not the driver's message: that names the database's address, and this endpoint is public.
      const timedOut = /timeout|within/i.test(err instanceof Error ? err.message : String(err));
      throw new DatabaseUnavailableError(`The database is unavailable: ${timedOut ? `no answer within ${READY_TIMEOUT_MS} ms` : 'it cannot be reached'}`);
    }
    res.json({ status: 'ok' });
  });
  const yaml = toYaml(spec);
  app.get('/openapi.json', (_req, res) => {
    res.json(spec);
  });
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(yaml);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  // swagger-ui-express serves its assets from the installed swagger-ui-dist: /docs works with no network.
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec, { customSiteTitle: 'Boomerang API' }));


  app.use(refuseEmptySegments());
  app.use(authenticate(db));
  app.use(
    ...OpenApiValidator.middleware({
      // The validator rewrites what it is given; keep the served spec intact.
      apiSpec: structuredClone(spec) as never,
      // Request schemas declare `additionalProperties: false`; with `removeAdditional: true` such properties are dropped
      // instead of refused (a newer client's field is ignored) and never reach a handler. Not
      // 'all': that also empties free-form objects (`additionalProperties: true`) and strips through `if` and `allOf`
      // subschemas, removing properties that another part of the same schema lists.
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true, removeAdditional: true },
      validateResponses: ctx.config.validateResponses,
      // Authentication is ours (three header forms, 401 before anything else); the validator would only check presence.
      validateSecurity: false,
    }),
  );
  app.use(refuseLooseNumbers(spec));
  app.use(scope(db, rateLimiter));

  app.use(organizationRoutes(ctx));
  app.use(networkRoutes(ctx));
  app.use(deviceRoutes(ctx));
  app.use(ssidRoutes(ctx));
  app.use(dongleDeviceRoutes(ctx));
  app.use(dongleCommandRoutes(ctx));
  app.use(liveToolRoutes(ctx));
  app.use(actionBatchRoutes(ctx));
  app.use(httpServerRoutes(ctx));
  app.use(payloadTemplateRoutes(ctx));
  app.use(webhookTestRoutes(ctx));
  app.use(callbackStatusRoutes(ctx));
  app.use(webhookLogRoutes(ctx));

  // The validator already answered 404/405 for paths the spec lacks; a documented operation with no handler answers 501
  // (test/every-operation.test.ts keeps every operation routed).
  app.use((req, _res, next) => next(req.openapi ? new NotImplementedError() : new NotFoundError()));
  app.use(errorHandler(logger));
  return app;
}
