/** What the routes need, built once at start by the server and handed to every router. */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { ActionBatchRunner } from '../action-batches/action-batch-runner.js';
import type { ActionOperations } from '../action-batches/action-operations.js';
import type { CallbackContext } from '../callbacks/callback-context.js';
import type { Config } from '../config.js';
import type { Db } from '../db/create-db.js';
import type { Metrics } from '../metrics.js';
import type { DeviceDriver } from '../devices/device-driver.js';
import type { DongleCommandRunner } from '../dongle/dongle-command-runner.js';
import type { InboxWaiters } from '../inbox/inbox-waiters.js';
import type { LiveToolRunner } from '../live-tools/live-tool-runner.js';
import type { RateLimiter } from './rate-limiter.js';

/** The application's shared dependencies: configuration, database, spec, callbacks, the device driver, and where new work is handed to the runners. */
export interface AppContext {
  config: Config;
  db: Db;
  spec: OpenAPIV3_1.Document;
  /** Per-organization request budget. */
  rateLimiter: RateLimiter;
  /** Callback creation, payload contracts, templates, secrets, destination policy, the logger and the clock. */
  callbacks: CallbackContext;
  /** The Prometheus metrics `/metrics` serves. */
  metrics: Metrics;
  /** The device driver live tool jobs and dongle commands run with: it answers the API's 400 for an unsupported tool, and a new command's answer time. */
  driver: DeviceDriver;
  /** The spec-compiled batchable operations; synchronous batches run with them inside the request. */
  actionOperations: ActionOperations;
  /** This server's live tool runner, as routes see it: its NOTIFY name, and the fast path for a job just created. */
  liveTools: Pick<LiveToolRunner, 'owner' | 'claimNew'>;
  /** This server's action batch runner, woken after a batch is confirmed. */
  actionBatches: Pick<ActionBatchRunner, 'wake'>;
  /** This server's dongle command runner, woken after each new command. */
  dongleCommands: Pick<DongleCommandRunner, 'wake'>;
  /** Requests waiting for an inbox's next arrival, woken by INBOX_CHANNEL. */
  inbox: InboxWaiters;
}
