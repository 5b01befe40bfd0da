/** Starts everything for one configuration: database, contracts, demo data, HTTP, delivery worker, live tool jobs. Used by main.ts and the tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { CallbackContext } from './callbacks/callback-context.js';
import { loadSecretBox } from './callbacks/secret-box.js';
import { TemplatePool } from './callbacks/template-pool.js';
import { createDb, type Db } from './db/create-db.js';
import { seedDemo, type SeedResult } from './db/seed.js';
import { DeliveryWorker } from './delivery/delivery-worker.js';
import { HttpSender, defaultSenderOptions } from './delivery/http-sender.js';
import { workerOptions } from './delivery/worker-options.js';
import { sweepExpired } from './delivery/sweep-expired.js';
import { answerClientError } from './http/answer-client-error.js';
import type { AppContext } from './http/app-context.js';
import { createApp } from './http/create-app.js';
import { RateLimiter } from './http/rate-limiter.js';
import { LiveToolRunner } from './live-tools/live-tool-runner.js';
import { ActionBatchRunner, defaultBatchRunnerOptions } from './action-batches/action-batch-runner.js';
import { ActionOperations } from './action-batches/action-operations.js';
import { batchableOperations } from './action-batches/action-handlers.js';
import { SimulatorDriver } from './devices/simulator-driver.js';
import { DongleCommandRunner } from './dongle/dongle-command-runner.js';
import { createLogger } from './logger.js';
import { INBOX_CHANNEL } from './db/channels.js';
import { InboxWaiters } from './inbox/inbox-waiters.js';
import { Metrics } from './metrics.js';
import { CallbackContracts } from './spec/callback-contracts.js';
import { loadSpec } from './spec/load-spec.js';

/** The version sent as `User-Agent: Boomerang/<version>`. */
export const VERSION = '0.1.0';

/** A running server and how to stop it. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 (the Meraki API is under /api/v1). */
  url: string;
  ctx: AppContext;
  /** The background runners, for tests that stop one or run a second beside it. */
  runners: { liveTools: LiveToolRunner; actionBatches: ActionBatchRunner; dongleCommands: DongleCommandRunner };
  /** What the demo seed created, when it ran on this start. */
  seeded: SeedResult | null;
  /** Stops accepting requests, lets in-flight ones and deliveries finish, and closes the database. */
  close(): Promise<void>;
}

/** How often expired callbacks are swept, in milliseconds (default one minute). */
const SWEEP_INTERVAL_MS = 60_000;

/** Boots the server; throws (and starts nothing) if the spec's callback schemas do not compile or the database cannot be opened. */
export async function startServer(config: Config, options: { logger?: Logger; db?: Db; now?: () => Date } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel, config.logFormat);
  const spec = loadSpec();
  const contracts = await CallbackContracts.compile(spec);
  logger.debug({ contracts: contracts.keys() }, 'callback contracts compiled');
  // Batch actions are validated against the spec operations they stand for; compiling them is also a boot-time check.
  const actionOperations = await ActionOperations.compile(spec, batchableOperations);
  const db = options.db ?? (await createDb(config, logger));
  // Templates render in worker threads: no template can block this thread or take its memory.
  const templates = new TemplatePool({ logger });
  let liveTools: LiveToolRunner | undefined;
  // What must stop if the start fails half-way (timers and listeners would keep the process alive).
  const stoppables: { stop(): Promise<void> }[] = [];
  try {
    await templates.start();
    const seeded = config.seedDemo ? await seedDemo(db, { apiKey: config.seedApiKey }) : null;
    const callbacks: CallbackContext = {
      contracts,
      templates,
      secrets: loadSecretBox(config, logger),
      // ownInbox.port is filled in once the server listens: the one loopback address callbacks may always reach.
      destinations: { allowPrivate: config.callbackAllowPrivate, allowHosts: new Set(config.callbackAllowHosts), ownInbox: { port: undefined } },
      logger,
      retentionMs: config.callbackRetentionSeconds * 1000,
      now: options.now ?? (() => new Date()),
    };
    const metrics = new Metrics(db);
    const sender = new HttpSender(callbacks.destinations, {
      ...defaultSenderOptions,
      connectTimeoutMs: config.callbackConnectTimeoutMs,
      totalTimeoutMs: config.callbackTimeoutMs,
    });
    const worker = new DeliveryWorker(db, callbacks, sender, workerOptions(config, db.kind, `Boomerang/${VERSION}`), metrics);
    await worker.start();
    stoppables.push(worker);
    // One driver for every operation on devices: live tools and dongle commands.
    const driver = new SimulatorDriver();
    const runner = new LiveToolRunner(db, callbacks, driver, {}, metrics);
    liveTools = runner;
    await runner.start();
    const dongleCommands = new DongleCommandRunner(db, callbacks, driver);
    stoppables.push(dongleCommands);
    await dongleCommands.start();
    const actionBatches = new ActionBatchRunner(db, { operations: actionOperations, callbacks, metrics }, { ...defaultBatchRunnerOptions, workers: config.actionBatchWorkers });
    stoppables.push(actionBatches);
    await actionBatches.start();
    const rateLimiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
    const inbox = new InboxWaiters();
    const unlistenInbox = await db.listen(INBOX_CHANNEL, (inboxId) => inbox.wake(inboxId));
    stoppables.push({ stop: unlistenInbox });
    const ctx: AppContext = { config, db, spec, rateLimiter, callbacks, metrics, driver, actionOperations, liveTools: runner, actionBatches, dongleCommands, inbox };
    const app = createApp(ctx);
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    server.on('clientError', answerClientError);
    const timers = [
      setInterval(() => rateLimiter.prune(), 60_000),
      setInterval(() => {
        sweepExpired(db, callbacks.now()).then(
          (n) => n > 0 && logger.info({ callbacks: n }, 'expired callbacks deleted'),
          (err) => logger.error({ err }, 'sweeping expired callbacks failed'),
        );
      }, SWEEP_INTERVAL_MS),
    ];
    for (const t of timers) t.unref();
    const { port } = server.address() as AddressInfo;
    callbacks.destinations.ownInbox = { port };
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}`,
      ctx,
      runners: { liveTools: runner, actionBatches, dongleCommands },
      seeded,
      async close() {
        for (const t of timers) clearInterval(t);
        // Long-polling inbox readers answer now instead of holding the close up for their whole wait.
        const closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open forever.
          server.closeIdleConnections();
        });
        inbox.close();
        await closed;
        // Jobs first: a job finishing now still writes its delivery before the worker stops.
        await runner.stop();
        await dongleCommands.stop();
        // Batches in flight commit (with their callbacks' deliveries) before the worker stops.
        await actionBatches.stop();
        await worker.stop();
        await sender.close();
        // Routes and runners, the only users of the render workers, have stopped: the workers may go.
        await templates.close();
        await unlistenInbox();
        if (!options.db) await db.destroy();
      },
    };
  } catch (err) {
    await liveTools?.stop();
    for (const s of stoppables) await s.stop();
    await templates.close();
    if (!options.db) await db.destroy();
    throw err;
  }
}
