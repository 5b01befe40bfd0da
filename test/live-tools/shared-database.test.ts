/**
 * Two servers sharing one PostgreSQL database: every live tool job runs once and sends one callback, whichever server
 * took the request. (PGlite is a single embedded process: there is no second server to share it.)
 */
import { once } from 'node:events';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useSharedDatabase } from '../support/shared-database.js';
import { DEMO_KEY } from '../support/test-server.js';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('live tool jobs on two servers sharing one database (PostgreSQL)', () => {
  const shared = useSharedDatabase('shared-live-tools-key');
  const start = () => shared.start({ LIVE_TOOLS_TIMEOUT: '3' });

  it('runs each job exactly once and sends exactly one callback per job', async () => {
    // One after the other: the first migrates and seeds the empty database.
    const a = start();
    const urls = [await a.listening];
    const b = start();
    urls.push(await b.listening);

    // Jobs on three answering devices and on the offline access point (those fail at their deadline), 16 requests at a time.
    const serials = ['Q2MS-DEMO-0002', 'Q2MX-DEMO-0001', 'Q2MR-DEMO-0003', 'Q2MR-DEMO-0005'];
    const count = 400;
    const created = new Map<string, { callbackId: string; server: number; serial: string }>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < count) {
          const i = next++;
          const serial = serials[i % serials.length]!;
          const res = await fetch(`${urls[i % 2]}/api/v1/devices/${serial}/liveTools/ping`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ target: '8.8.8.8', count: 1, callback: { url: `${shared.receiver.url}/shared`, sharedSecret: 's' } }),
          });
          expect(res.status).toBe(201);
          const job = await res.json();
          expect(job.status).toBe('new');
          created.set(job.pingId, { callbackId: job.callback.id, server: i % 2, serial });
        }
      }),
    );
    expect(created.size).toBe(count);

    const byCallback = () => {
      const counts = new Map<string, number>();
      for (const r of shared.receiver.received) {
        const id = JSON.parse(r.body).callbackId as string;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    const until = Date.now() + 30_000;
    while (byCallback().size < count) {
      if (Date.now() > until) throw new Error(`only ${byCallback().size} of ${count} callbacks arrived`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Give a straggling duplicate time to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    const counts = byCallback();
    expect(counts.size).toBe(count);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const { callbackId } of created.values()) expect(counts.get(callbackId)).toBe(1);

    const client = new pg.Client({ connectionString: shared.database.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ id: string; status: string; runs: number; lease_owner: string; serial: string }>('select id, status, runs, lease_owner, serial, failures, last_error, error, created_at, started_at, finished_at, deadline from live_tool_jobs');
    await client.end();
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      expect(row.status, row.id).toBe(row.serial === 'Q2MR-DEMO-0005' ? 'failed' : 'complete');
      // Never run twice. A job on the offline device whose deadline passed while it waited for one of that device's
      // slots (four, each held until its job's deadline) fails without ever running: zero runs is right for it.
      if (row.serial === 'Q2MR-DEMO-0005') expect(row.runs, JSON.stringify(row)).toBeLessThanOrEqual(1);
      else expect(row.runs, JSON.stringify(row)).toBe(1);
    }
    // Both servers ran jobs: each claims the jobs it created.
    expect(new Set(rows.map((r) => r.lease_owner)).size).toBe(2);

    for (const s of [a, b]) s.child.kill('SIGTERM');
    const codes = await Promise.all([a, b].map(async (s) => (await once(s.child, 'exit'))[0]));
    expect(codes).toEqual([0, 0]);
  }, 120_000);
});
