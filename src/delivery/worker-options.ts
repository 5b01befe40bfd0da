/** The delivery worker's settings for a configuration (shared by the server and the benchmark). */
import type { Config } from '../config.js';
import type { DbKind } from '../db/create-db.js';
import type { WorkerOptions } from './delivery-worker.js';
import { defaultRetryPolicy } from './retry-policy.js';

/** Deliveries claimed per query. */
const BATCH_SIZE = 200;
/** Requests in flight per destination host. */
const PER_HOST = 64;

/** Worker options for `config` on a database of `kind`; `userAgent` is `Boomerang/<version>`. */
export function workerOptions(config: Pick<Config, 'callbackTimeoutMs' | 'retryScheduleMs'>, kind: DbKind, userAgent: string): WorkerOptions {
  return {
    batchSize: BATCH_SIZE,
    // PGlite is one connection: parallel claimers would only queue behind each other.
    claimers: kind === 'pg' ? 4 : 1,
    // Longer than a claimed batch can take (its requests to one host go PER_HOST at a time), so only a dead worker's claims expire.
    leaseMs: config.callbackTimeoutMs * Math.ceil(BATCH_SIZE / PER_HOST) + 5_000,
    maxInFlight: 256,
    maxInFlightPerHost: PER_HOST,
    idleRecheckMs: 5_000,
    retryPolicy: { ...defaultRetryPolicy, scheduleMs: config.retryScheduleMs },
    userAgent,
    random: Math.random,
  };
}
