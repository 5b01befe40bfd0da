/** Builds the express application: public endpoints, then auth → spec validation → organization scope → routes. */
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import swaggerUi from 'swagger-ui-express';
import { stringify as toYaml } from 'yaml';
import { DatabaseUnavailableError, NotFoundError, NotImplementedError } from '../errors.js';
import type { AppContext } from './app-context.js';
import { authenticate } from './authenticate.js';
import { findDemoInboxToken } from '../db/seed.js';
import { INBOX_PAGE } from '../inbox/inbox-page.js';
import { inboxReceiverRoutes } from '../inbox/receive-inbox-request.js';
import { corsPolicy } from './cors-policy.js';
import { requestOrigin } from './base-url.js';
import { errorHandler } from './error-handler.js';
import { refuseEmptySegments } from './refuse-empty-segments.js';
import { refuseLooseNumbers } from './refuse-loose-numbers.js';
import { refuseUnstorableInput } from './refuse-unstorable-input.js';
import { requestLog } from './request-log.js';
import { requestMetrics } from './request-metrics.js';
import { routers } from './routers.js';
import { scope } from './scope.js';
import { servedSpec } from './served-spec.js';

/** How long `/readyz` waits for the database to answer, in milliseconds. */
const READY_TIMEOUT_MS = 2_000;

/** Creates the app (it does not listen). */
export function createApp(ctx: AppContext): Express {
  const { db, spec, rateLimiter } = ctx;
  // The process logger has one home, the callback context, which the background runners share.
  const { logger } = ctx.callbacks;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Paths are case-sensitive. The spec validator follows this setting, so it and the routers agree on what a path
  // names: `/DONGLE/DEVICES/…` answers the validator's 404 instead of reaching a route without its scope.
  app.set('case sensitive routing', true);
  app.use(requestMetrics(ctx.metrics));
  // Request logs are info lines: below that level pino-http would still build a child logger per request (a tenth of a
  // simple request's CPU, measured) to write nothing. Our 5xx are logged by the error handler either way.
  if (logger.isLevelEnabled('info')) app.use(requestLog(logger));
  // Before the inboxes and authentication, so that preflights need no key and every answer to an allowed origin
  // (errors included) carries its headers.
  app.use(corsPolicy(ctx.config.corsOrigins));
  // Inboxes keep the exact bytes they receive (signatures are over them): mounted before the JSON parser and before
  // authentication (senders hold the URL's token, not a key).
  app.use(inboxReceiverRoutes(ctx));
  app.get('/inbox', (_req, res) => {
    res.type('html').send(INBOX_PAGE);
  });
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
  // The demo's examples name its inbox (src/http/served-spec.ts): only when the demo data are seeded here.
  const demoInbox = () => (ctx.config.seedDemo ? findDemoInboxToken(db) : Promise.resolve(undefined));
  app.get('/openapi.json', async (req, res) => {
    res.json(servedSpec(spec, requestOrigin(req), await demoInbox()));
  });
  app.get('/openapi.yaml', async (req, res) => {
    res.type('application/yaml').send(toYaml(servedSpec(spec, requestOrigin(req), await demoInbox())));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  // swagger-ui-express serves its assets from the installed swagger-ui-dist: /docs works with no network. The page
  // loads the spec from /openapi.json (not a copy inlined once at start), so its `servers` name the origin the page
  // was reached at and "Try it out" calls that server. persistAuthorization keeps the key entered in Authorize in the
  // page's localStorage, so a reload does not ask for it again.
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { customSiteTitle: 'Boomerang API', swaggerOptions: { url: '/openapi.json', persistAuthorization: true } }));


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
      // `coerceTypes: false` is for bodies only: the validator always coerces parameters (text by nature), and a body's
      // `"name": 12345` must be refused, not stored as "12345" (the contract runner's wrong-type variants caught it).
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, removeAdditional: true },
      validateResponses: ctx.config.validateResponses,
      // Authentication is ours (three header forms, 401 before anything else); the validator would only check presence.
      validateSecurity: false,
    }),
  );
  app.use(refuseLooseNumbers(spec));
  app.use(scope(db, rateLimiter));

  for (const routes of routers) app.use(routes(ctx));

  // The validator already answered 404/405 for paths the spec lacks; a documented operation with no handler answers 501
  // (test/every-operation.test.ts keeps every operation routed).
  app.use((req, _res, next) => next(req.openapi ? new NotImplementedError() : new NotFoundError()));
  app.use(errorHandler(logger));
  return app;
}
