/**
 * Durability on PostgreSQL: a server killed with SIGKILL mid-delivery loses nothing once restarted, and two servers
 * sharing one database deliver each callback once. (PGlite is a single embedded process: there is no second server to share it.)
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useSharedDatabase } from '../support/shared-database.js';
import { DEMO_KEY } from '../support/test-server.js';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('crash recovery and shared databases (PostgreSQL)', () => {
  const shared = useSharedDatabase('crash-test-key');
  const start = () => shared.start({ CALLBACK_TIMEOUT_MS: '1500', RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms' });

  /** Queues `count` sample alerts to the receiver through the API, `parallel` at a time, spread over `servers`. */
  async function queue(servers: string[], path: string, count: number, parallel = 16): Promise<void> {
    const organization = await (await fetch(`${servers[0]}/api/v1/organizations`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })).json();
    const networks = await (
      await fetch(`${servers[0]}/api/v1/organizations/${organization[0].id}/networks`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })
    ).json();
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          const i = next++;
          const res = await fetch(`${servers[i % servers.length]}/api/v1/networks/${networks[0].id}/webhooks/webhookTests`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ url: `${shared.receiver.url}${path}`, alertTypeId: `n${i}` }),
          });
          expect(res.status).toBe(201);
        }
      }),
    );
  }

  /** Receipts per webhook-id for one path. */
  function receipts(path: string): Map<string, string[]> {
    const byId = new Map<string, string[]>();
    for (const r of shared.receiver.received.filter((x) => x.path === path)) {
      const id = String(r.headers['webhook-id']);
      byId.set(id, [...(byId.get(id) ?? []), r.body]);
    }
    return byId;
  }

  async function waitForDistinct(path: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (receipts(path).size < count) {
      if (Date.now() > deadline) throw new Error(`only ${receipts(path).size} of ${count} delivered`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('delivers all 2,000 callbacks after a SIGKILL mid-way, duplicates carrying the same webhook-id', async () => {
    // Answers that take a second keep the first server busy (64 in flight), so it dies with deliveries claimed and in flight.
    shared.receiver.reply(() => ({ status: 200, delayMs: 1000 }));
    const first = start();
    const url = await first.listening;
    const queueing = queue([url], '/crash', 2000);
    await shared.receiver.waitFor(300, 30_000);
    await queueing;
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const beforeRestart = receipts('/crash').size;
    expect(beforeRestart).toBeLessThan(2000);

    shared.receiver.reply(() => ({ status: 200 }));
    const second = start();
    await second.listening;
    await waitForDistinct('/crash', 2000, 60_000);
    const byId = receipts('/crash');
    expect(byId.size).toBe(2000);
    // A duplicate is the same payload again: same id, same bytes.
    for (const bodies of byId.values()) expect(new Set(bodies).size).toBe(1);
    second.child.kill('SIGTERM');
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(0);
  }, 120_000);

  it('two servers sharing one database deliver each callback exactly once', async () => {
    shared.receiver.reply(() => ({ status: 200 }));
    const a = start();
    const b = start();
    const urls = [await a.listening, await b.listening];
    await queue(urls, '/shared', 1000);
    await waitForDistinct('/shared', 1000, 60_000);
    // Give a straggling duplicate time to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    const byId = receipts('/shared');
    expect(byId.size).toBe(1000);
    expect([...byId.values()].every((bodies) => bodies.length === 1)).toBe(true);
    for (const s of [a, b]) s.child.kill('SIGTERM');
    await Promise.all([a, b].map((s) => once(s.child, 'exit')));
  }, 120_000);
});
