/** The delivery worker's settings for a configuration (shared by the server and the benchmark). */
import type { Config } from '../config.js';
import type { DbKind } from '../db/create-db.js';
import type { WorkerOptions } from './delivery-worker.js';
import { defaultRetryPolicy } from './retry-policy.js';

/** Deliveries claimed per query. */
const BATCH_SIZE = 400;
/** Requests in flight per destination host. */
const PER_HOST = 64;
/** Claimed deliveries of one organization from which claims skip it. */
const PER_ORGANIZATION = 512;

/** Worker options for `config` on a database of `kind`; `userAgent` is `Boomerang/<version>`. */
export function workerOptions(config: Pick<Config, 'callbackTimeoutMs' | 'retryScheduleMs'>, kind: DbKind, userAgent: string): WorkerOptions {
  return {
    batchSize: BATCH_SIZE,
    // PGlite is one connection: parallel claimers would only queue behind each other.
    claimers: kind === 'pg' ? 4 : 1,
    // Four rounds of the slowest answers to one host: what a dead worker's claims wait before others take them over.
    // A delivery that waited longer for its host (a large share to one slow receiver) is given back unsent, never sent twice.
    leaseMs: config.callbackTimeoutMs * 4 + 5_000,
    attemptMs: config.callbackTimeoutMs,
    maxClaimed: 4 * PER_ORGANIZATION,
    maxClaimedPerOrganization: PER_ORGANIZATION,
    maxInFlight: 256,
    maxInFlightPerHost: PER_HOST,
    idleRecheckMs: 5_000,
    retryPolicy: { ...defaultRetryPolicy, scheduleMs: config.retryScheduleMs },
    userAgent,
    random: Math.random,
  };
}
