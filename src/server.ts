/** Starts everything for one configuration: database, contracts, demo data, HTTP. Used by main.ts and by the tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDb, type Db } from './db/create-db.js';
import { seedDemo, type SeedResult } from './db/seed.js';
import { createApp, type AppContext } from './http/create-app.js';
import { RateLimiter } from './http/rate-limiter.js';
import { createLogger } from './logger.js';
import { CallbackContracts } from './spec/callback-contracts.js';
import { loadSpec } from './spec/load-spec.js';

/** A running server and how to stop it. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 (the Meraki API is under /api/v1). */
  url: string;
  ctx: AppContext;
  /** What the demo seed created, when it ran on this start. */
  seeded: SeedResult | null;
  /** Stops accepting requests, lets in-flight ones finish, and closes the database. */
  close(): Promise<void>;
}

/** Boots the server; throws (and starts nothing) if the spec's callback schemas do not compile or the database cannot be opened. */
export async function startServer(config: Config, options: { logger?: Logger; db?: Db } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const spec = loadSpec();
  const contracts = await CallbackContracts.compile(spec);
  logger.debug({ contracts: contracts.keys() }, 'callback contracts compiled');
  const db = options.db ?? (await createDb(config));
  try {
    const seeded = config.seedDemo ? await seedDemo(db, { apiKey: config.seedApiKey }) : null;
    const rateLimiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
    const ctx: AppContext = { config, db, logger, spec, contracts, rateLimiter };
    const app = createApp(ctx);
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    const pruning = setInterval(() => rateLimiter.prune(), 60_000);
    pruning.unref();
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}`,
      ctx,
      seeded,
      async close() {
        clearInterval(pruning);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open forever.
          server.closeIdleConnections();
        });
        if (!options.db) await db.destroy();
      },
    };
  } catch (err) {
    if (!options.db) await db.destroy();
    throw err;
  }
}
