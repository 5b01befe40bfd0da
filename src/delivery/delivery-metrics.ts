/** Prometheus metrics of delivery (prom-client), in a registry per server so several servers can share a process. */
import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.js';

/** The delivery metrics and the registry `/metrics` serves. */
export class DeliveryMetrics {
  readonly registry = new Registry();
  /** Finished deliveries by outcome (`delivered`, `failed`), and retries scheduled (`retried`). */
  readonly deliveries: Counter<'outcome'>;
  /** HTTP attempts sent. */
  readonly attempts: Counter;
  /** Duration of each HTTP attempt, in seconds. */
  readonly attemptDuration: Histogram;

  constructor(db: Kysely<Database>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'boomerang_' });
    this.deliveries = new Counter({ name: 'boomerang_deliveries_total', help: 'Deliveries by outcome', labelNames: ['outcome'], registers: [this.registry] });
    this.attempts = new Counter({ name: 'boomerang_delivery_attempts_total', help: 'HTTP attempts sent', registers: [this.registry] });
    this.attemptDuration = new Histogram({
      name: 'boomerang_delivery_attempt_duration_seconds',
      help: 'Duration of delivery attempts',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    // Both gauges read the outbox when scraped, so they are right whichever process did the work.
    let snapshot: Promise<{ pending: number; oldest: number }> | undefined;
    const read = () =>
      (snapshot ??= sql<{ pending: string; oldest: number | null }>`
        select count(*) as pending, extract(epoch from now() - min(created_at))::float8 as oldest
        from deliveries where status = 'pending'`
        .execute(db)
        .then(({ rows }) => ({ pending: Number(rows[0]?.pending ?? 0), oldest: Number(rows[0]?.oldest ?? 0) }))
        .finally(() => setTimeout(() => (snapshot = undefined), 0)));
    new Gauge({
      name: 'boomerang_deliveries_pending',
      help: 'Deliveries waiting to be sent or retried',
      registers: [this.registry],
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'boomerang_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest pending delivery',
      registers: [this.registry],
      async collect() {
        this.set((await read()).oldest);
      },
    });
  }
}
