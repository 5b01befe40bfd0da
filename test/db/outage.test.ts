/**
 * Database outages, on a PostgreSQL cluster this file starts itself and stops (cleanly, then by a crash) under a running
 * server: clients see 503 with `Retry-After` while it is down, `/readyz` follows the database (within its timeout, even
 * when the database is frozen) while `/healthz` stays 200, and once it is back every callback accepted before or during
 * the outage is delivered, with no restart.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { TempCluster } from '../support/temp-cluster.js';
import { DEMO_KEY } from '../support/test-server.js';

// The file runs in the PostgreSQL pass of the suite; it never touches DATABASE_URL's cluster, only its own.
const onPostgres = Boolean(process.env.DATABASE_URL);

/** One API request made by the traffic below, and what it got. */
interface Sent {
  kind: 'webhookTest' | 'ping' | 'actionBatch' | 'dongle';
  /** The receiver path its callback goes to (one per request). */
  path: string;
  phase: 'before' | 'during' | 'after';
  status: number;
  retryAfter: string | null;
  body: unknown;
}

/** What one probe of the health endpoints got. */
interface Probe {
  healthz: number;
  readyz: number;
  readyzRetryAfter: string | null;
  readyzBody: unknown;
  readyzMs: number;
}

const ok = (status: number) => status >= 200 && status < 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!onPostgres)('database outages (a PostgreSQL cluster of the test\'s own)', () => {
  let cluster: TempCluster | undefined;
  let receiver: RecordingReceiver | undefined;
  let server: ChildServer | undefined;
  let url = '';
  let networkId = '';
  let organizationId = '';
  let dongleId = '';
  /** Request numbers are unique over the file, so each callback has its own receiver path. */
  let next = 0;
  const auth = { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' };

  beforeAll(async () => {
    cluster = await TempCluster.create();
    receiver = await RecordingReceiver.start();
    server = startChildServer({
      DATABASE_URL: cluster.url,
      SEED_API_KEY: DEMO_KEY,
      SECRET_KEY: 'outage-test-key',
      CALLBACK_ALLOW_HOSTS: '127.0.0.1',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      ACTION_BATCH_MAX_RUNNING: '1000',
      // Leases of 3 s × 4 + 5 s = 17 s: longer than the outages here, so held outcomes are written, not sent twice.
      CALLBACK_TIMEOUT_MS: '3000',
      RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s,1s,1s',
      LOG_LEVEL: 'info',
    });
    url = await server.listening;
    const organizations = await (await fetch(`${url}/api/v1/organizations`, { headers: auth })).json();
    organizationId = organizations[0].id;
    const networks = await (await fetch(`${url}/api/v1/organizations/${organizationId}/networks`, { headers: auth })).json();
    networkId = networks[0].id;
    const dongles: { id: string; display: string }[] = await (await fetch(`${url}/dongle/devices/`, { headers: auth })).json();
    dongleId = dongles.find((d) => d.display.includes('answers at once'))!.id;
  }, 60_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await receiver?.close();
    await cluster?.remove();
  });

  /** Sends one API request that queues a callback to its own receiver path. */
  async function send(phase: Sent['phase']): Promise<Sent> {
    const i = next++;
    // Every kind of work that calls back: mostly webhook tests, and live tool jobs, action batches, dongle commands.
    const kind: Sent['kind'] = i % 5 === 0 ? 'ping' : i % 10 === 3 ? 'actionBatch' : i % 10 === 7 ? 'dongle' : 'webhookTest';
    const path = `/cb/${i}`;
    const callbackUrl = `${receiver!.url}${path}`;
    const requests: Record<Sent['kind'], [string, unknown]> = {
      ping: [`${url}/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, { target: '10.0.1.1', count: 1, callback: { url: callbackUrl } }],
      actionBatch: [
        `${url}/api/v1/organizations/${organizationId}/actionBatches`,
        { confirmed: true, synchronous: false, actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: `n${i}` } }], callback: { url: callbackUrl } },
      ],
      dongle: [`${url}/dongle/devices/${dongleId}/execute/`, { command: 'test.ping', callback_url: callbackUrl }],
      webhookTest: [`${url}/api/v1/networks/${networkId}/webhooks/webhookTests`, { url: callbackUrl, alertTypeId: 'power_supply_down' }],
    };
    const [target, body] = requests[kind];
    try {
      const res = await fetch(target, { method: 'POST', headers: auth, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
      return { kind, path, phase, status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json().catch(() => null) };
    } catch (err) {
      return { kind, path, phase, status: 0, retryAfter: null, body: String(err) };
    }
  }

  /** Clients sending requests back to back, `parallel` at a time, until `stop()`; `phase` labels what they send. */
  function traffic(parallel: number) {
    const sent: Sent[] = [];
    let phase: Sent['phase'] = 'before';
    let stopped = false;
    const started = Date.now();
    const runs = Array.from({ length: parallel }, async () => {
      // Bounded in count and time whatever happens.
      while (!stopped && sent.length < 3000 && Date.now() - started < 40_000) {
        sent.push(await send(phase));
        await sleep(20);
      }
    });
    return {
      sent,
      setPhase(p: Sent['phase']) {
        phase = p;
      },
      async stop() {
        stopped = true;
        await Promise.all(runs);
      },
    };
  }

  async function probe(): Promise<Probe> {
    const healthz = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    const started = Date.now();
    const readyz = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    return {
      healthz: healthz.status,
      readyz: readyz.status,
      readyzRetryAfter: readyz.headers.get('retry-after'),
      readyzBody: await readyz.json(),
      readyzMs: Date.now() - started,
    };
  }

  /** Deliveries received per webhook-id, for the given receiver paths. */
  function deliveriesById(paths: Set<string>): Map<string, string[]> {
    const byId = new Map<string, string[]>();
    for (const r of receiver!.received) {
      if (!paths.has(r.path)) continue;
      const id = String(r.headers['webhook-id']);
      byId.set(id, [...(byId.get(id) ?? []), r.body]);
    }
    return byId;
  }

  /** Takes the database down (`stop`), probes and loads the server meanwhile, brings it back, and checks everything. */
  async function outage(name: string, takeDown: () => Promise<void>): Promise<void> {
    const seenBefore = receiver!.received.length;
    // Slow answers keep deliveries in flight (claimed, not yet recorded) when the database goes away.
    receiver!.reply(() => ({ status: 200, delayMs: 1500 }));
    const load = traffic(4);
    const until = Date.now() + 15_000;
    while ((load.sent.filter((s) => ok(s.status)).length < 40 || receiver!.received.length < seenBefore + 10) && Date.now() < until) await sleep(50);
    expect(receiver!.received.length).toBeGreaterThanOrEqual(seenBefore + 10);

    load.setPhase('during');
    // Received within the last 1.5 s: still waiting for their answer, so their outcome is not yet recorded.
    const inFlight = receiver!.received.filter((r) => r.at > Date.now() - 1_500).length;
    await takeDown();
    const downAt = Date.now();
    const probes: Probe[] = [];
    while (probes.length < 4 || Date.now() - downAt < 2_000) {
      probes.push(await probe());
      await sleep(200);
    }
    receiver!.reply(() => ({ status: 200 }));
    await cluster!.start();
    const upAt = Date.now();
    // Ready again by itself: no restart of the server.
    let ready: Probe | undefined;
    while (Date.now() - upAt < 20_000) {
      ready = await probe();
      if (ready.readyz === 200) break;
      await sleep(100);
    }
    const readyAfterMs = Date.now() - upAt;
    load.setPhase('after');
    const afterUntil = Date.now() + 10_000;
    while (load.sent.filter((x) => x.phase === 'after' && ok(x.status)).length < 3 && Date.now() < afterUntil) await sleep(50);
    await load.stop();

    const statuses = (phase: Sent['phase']) => {
      const counts: Record<string, number> = {};
      for (const s of load.sent.filter((x) => x.phase === phase)) counts[s.status] = (counts[s.status] ?? 0) + 1;
      return counts;
    };
    const accepted = load.sent.filter((s) => ok(s.status));
    const paths = new Set(accepted.map((s) => s.path));
    const deadline = Date.now() + 30_000;
    while (new Set(receiver!.received.filter((r) => paths.has(r.path)).map((r) => r.path)).size < paths.size && Date.now() < deadline) await sleep(100);
    const deliveredPaths = new Set(receiver!.received.filter((r) => paths.has(r.path)).map((r) => r.path));
    const byId = deliveriesById(paths);
    const duplicates = [...byId.values()].reduce((n, bodies) => n + bodies.length - 1, 0);
    const figures = {
      outage: name,
      acceptedBefore: accepted.filter((s) => s.phase === 'before').length,
      acceptedDuring: accepted.filter((s) => s.phase === 'during').length,
      acceptedAfter: accepted.filter((s) => s.phase === 'after').length,
      acceptedByKind: Object.fromEntries((['webhookTest', 'ping', 'actionBatch', 'dongle'] as const).map((k) => [k, accepted.filter((s) => s.kind === k).length])),
      deliveriesInFlightAtOutage: inFlight,
      delivered: deliveredPaths.size,
      deliveries: [...byId.values()].reduce((n, b) => n + b.length, 0),
      duplicates,
      statusesBefore: statuses('before'),
      statusesDuring: statuses('during'),
      statusesAfter: statuses('after'),
      probesDuring: probes.length,
      healthzDuring: [...new Set(probes.map((p) => p.healthz))],
      readyzDuring: [...new Set(probes.map((p) => p.readyz))],
      slowestReadyzMs: Math.max(...probes.map((p) => p.readyzMs)),
      readyAfterMs,
    };
    console.log(`outage figures: ${JSON.stringify(figures)}`);

    // During the outage: liveness 200, readiness 503 with Retry-After and the errors shape, answered promptly.
    expect(probes.length).toBeGreaterThan(2);
    for (const p of probes.slice(1)) {
      expect(p.healthz).toBe(200);
      expect(p.readyz).toBe(503);
      expect(Number(p.readyzRetryAfter)).toBeGreaterThan(0);
      expect(p.readyzBody).toEqual({ errors: [expect.stringMatching(/database is unavailable/i)] });
      expect(p.readyzMs).toBeLessThan(3_000);
    }
    // What clients saw: accepted (201; 200 for a dongle command) or 503 with Retry-After and {"errors": [...]}: never a
    // 500, never a dropped connection.
    for (const s of load.sent) {
      expect(s.kind === 'dongle' ? [200, 503] : [201, 503], JSON.stringify(s)).toContain(s.status);
      if (s.status === 503) {
        expect(Number(s.retryAfter)).toBeGreaterThan(0);
        expect(s.body).toEqual({ errors: [expect.any(String)] });
      }
    }
    expect(statuses('during')[503] ?? 0).toBeGreaterThan(0);
    // Back by itself, and new requests work.
    expect(ready?.readyz).toBe(200);
    expect(ready?.healthz).toBe(200);
    expect(figures.acceptedAfter).toBeGreaterThan(0);
    expect(statuses('after')[503] ?? 0).toBe(0);
    // Every accepted callback delivered; a duplicate (at least once) is the same delivery again: same id, same bytes.
    const missing = [...paths].filter((p) => !deliveredPaths.has(p));
    if (missing.length > 0) {
      // Say where each missing one stands. The only excuse is one that has nothing to do with the outage: a render over
      // the template time limit (it happens on an overloaded machine) fails the callback with that reason, unsent.
      const client = new pg.Client({ connectionString: cluster!.url });
      await client.connect();
      const urls = missing.map((p) => `${receiver!.url}${p}`);
      const callbacks = await client.query<{ url: string; status: string; errors: string[] }>('select url, status, errors from callbacks where url = any($1)', [urls]);
      const deliveries = await client.query('select url, status, attempts, next_attempt_at, leased_until, last_error, now() as now from deliveries where url = any($1)', [urls]);
      await client.end();
      const excused = callbacks.rows.filter((c) => c.status === 'failed' && c.errors.some((e) => /render exceeded/.test(e)));
      console.log(`callbacks failed by the render time limit (not sent, with the reason): ${excused.length}`);
      expect(excused.length, JSON.stringify({ callbacks: callbacks.rows, deliveries: deliveries.rows })).toBe(missing.length);
    }
    for (const bodies of byId.values()) expect(new Set(bodies).size).toBe(1);
    expect(server!.child.exitCode).toBeNull();
  }

  it('rides out a clean shutdown (pg_ctl stop -m fast) and a restart', async () => {
    await outage('pg_ctl stop -m fast', () => cluster!.stop('fast'));
  }, 60_000);

  it('rides out a crash (SIGKILL of the postmaster) and crash recovery', async () => {
    await outage('kill -9 postmaster', () => cluster!.kill());
  }, 60_000);

  it('answers /readyz 503 within its timeout while the database accepts connections but never answers (SIGSTOP)', async () => {
    expect((await probe()).readyz).toBe(200);
    cluster!.signalAll('SIGSTOP');
    let frozen: Probe[];
    try {
      frozen = [await probe(), await probe()];
    } finally {
      cluster!.signalAll('SIGCONT');
    }
    console.log(`frozen database: readyz ${frozen.map((p) => `${p.readyz} in ${p.readyzMs} ms`).join(', ')}`);
    for (const p of frozen) {
      expect(p.healthz).toBe(200);
      expect(p.readyz).toBe(503);
      expect(p.readyzBody).toEqual({ errors: ['The database is unavailable: no answer within 2000 ms'] });
      // Two seconds of timeout, plus a little.
      expect(p.readyzMs).toBeLessThan(3_500);
    }
    const until = Date.now() + 10_000;
    let again = await probe();
    while (again.readyz !== 200 && Date.now() < until) {
      await sleep(100);
      again = await probe();
    }
    expect(again.readyz).toBe(200);
  }, 30_000);

  it('kept running through all of it, without an unhandled error', () => {
    expect(server!.child.exitCode).toBeNull();
    expect(server!.output()).not.toMatch(/unhandled|uncaught/i);
  });
});
