/**
 * The server's Prometheus metrics (prom-client), in a registry per server so several servers can share a process.
 * Names follow Prometheus' conventions, which `promtool check metrics` enforces: units in names, `_total` on counters
 * and nothing else.
 */
import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from './db/database.js';

/**
 * prom-client's default metrics that are gauges named `_total` (which promtool refuses); each is the sum of the
 * same-named gauge without the suffix, labelled by `type`, which stays.
 */
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The metrics, and the registry `/metrics` serves. */
export class Metrics {
  readonly registry = new Registry();
  /** HTTP requests answered, by method, route pattern (`none` when no route matched) and status code, in seconds. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Live tool jobs finished, by tool and outcome (`complete`, `failed`). */
  readonly liveToolJobs: Counter<'tool' | 'outcome'>;
  /** Action batches finished, by outcome (`completed`, `failed`). */
  readonly actionBatches: Counter<'outcome'>;
  /** Finished deliveries by outcome (`delivered`, `failed`), and retries scheduled (`retried`). */
  readonly deliveries: Counter<'outcome'>;
  /** HTTP attempts sent, by status class: `2xx` … `5xx` for an answer, `error` when none came (network, timeout, refused destination). */
  readonly deliveryAttempts: Counter<'status_class'>;
  /** Duration of each HTTP attempt, in seconds. */
  readonly attemptDuration: Histogram;

  constructor(db: Kysely<Database>) {
    // Unprefixed: stock dashboards and alerts expect `process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …
    collectDefaultMetrics({ register: this.registry });
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    const registers = [this.registry];
    this.httpRequestDuration = new Histogram({
      name: 'boomerang_http_request_duration_seconds',
      help: 'Duration of HTTP requests by route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.liveToolJobs = new Counter({ name: 'boomerang_live_tool_jobs_total', help: 'Live tool jobs finished, by tool and outcome', labelNames: ['tool', 'outcome'], registers });
    this.actionBatches = new Counter({ name: 'boomerang_action_batches_total', help: 'Action batches finished, by outcome', labelNames: ['outcome'], registers });
    this.deliveries = new Counter({ name: 'boomerang_deliveries_total', help: 'Deliveries by outcome', labelNames: ['outcome'], registers });
    this.deliveryAttempts = new Counter({ name: 'boomerang_delivery_attempts_total', help: 'HTTP delivery attempts, by status class', labelNames: ['status_class'], registers });
    this.attemptDuration = new Histogram({
      name: 'boomerang_delivery_attempt_duration_seconds',
      help: 'Duration of delivery attempts',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers,
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
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'boomerang_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest pending delivery (0 when none is pending)',
      registers,
      async collect() {
        this.set((await read()).oldest);
      },
    });
  }
}
