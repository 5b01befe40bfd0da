/**
 * A batch whose run keeps throwing for no action's reason is retried a bounded number of times, then settled as failed
 * with its callback failed unsent; meanwhile, and with a backlog, other organizations' batches take their turn.
 * The poison is real: a PL/pgSQL trigger that raises when a runner completes one organization's batch.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import type { Client } from '../../generated/client/client/index.js';
import { ActionBatchRunner, defaultBatchRunnerOptions } from '../../src/action-batches/action-batch-runner.js';
import { MAX_WORK_FAILURES } from '../../src/db/work-failures.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;

beforeAll(async () => {
  // The server's own runner runs nothing: each test starts the runner it needs on the server's database.
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', ACTION_BATCH_WORKERS: '0', ACTION_BATCH_MAX_RUNNING: '30' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function startRunner(workers: number): Promise<ActionBatchRunner> {
  const runner = new ActionBatchRunner(t.server.ctx.db, { operations: t.server.ctx.actionOperations, callbacks: t.server.ctx.callbacks }, { ...defaultBatchRunnerOptions, workers });
  await runner.start();
  return runner;
}

/** Queues a confirmed asynchronous batch that updates a network's notes, with a callback to `path`. */
async function queue(client: Client, organizationId: string, networkId: string, path: string): Promise<string> {
  const { data, response } = await sdk.createOrganizationActionBatch({
    client,
    path: { organizationId },
    body: {
      confirmed: true,
      synchronous: false,
      actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: path } }],
      callback: { url: `${receiver.url}${path}` },
    },
  });
  expect(response.status).toBe(201);
  return data!.id;
}

async function batch(id: string) {
  return t.server.ctx.db.selectFrom('action_batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const finished = (id: string) => until(`batch ${id} to finish`, async () => {
  const row = await batch(id);
  return row.status === 'pending' ? undefined : row;
});

describe('poisoned action batches', () => {
  it('are settled failed after the bounded tries, callback failed unsent, while another organization runs promptly', async () => {
    const { db } = t.server.ctx;
    const poisoned = t.demo.organizationId;
    await sql
      .raw(`
        create function poison_batches() returns trigger language plpgsql as $$
        begin
          if new.status = 'completed' and new.organization_id = ${BigInt(poisoned)} then
            raise exception 'poisoned batch %', new.id;
          end if;
          return new;
        end $$`)
      .execute(db);
    await sql`create trigger poison_batches before update on action_batches for each row execute function poison_batches()`.execute(db);
    try {
      const first = await queue(t.client, poisoned, t.demo.networkIds[0]!, '/poison-1');
      const second = await queue(t.client, poisoned, t.demo.networkIds[0]!, '/poison-2');
      const healthy = await queue(t.otherClient, t.other.organizationId, t.other.networkId, '/healthy');
      const runner = await startRunner(2);
      try {
        const done = await finished(healthy);
        expect(done.status).toBe('completed');
        // The other organization's batch ran while the poisoned ones were still being retried.
        expect((await batch(first)).status).toBe('pending');
        expect((await batch(second)).status).toBe('pending');

        for (const id of [first, second]) {
          const row = await finished(id);
          expect(row.status).toBe('failed');
          expect(row.failures).toBe(MAX_WORK_FAILURES);
          expect(row.last_error).toContain(`poisoned batch ${id}`);
          expect(row.finished_at!.getTime()).toBeGreaterThan(done.finished_at!.getTime());
          const { data } = await sdk.getOrganizationActionBatch({ client: t.client, path: { organizationId: poisoned, actionBatchId: id } });
          expect(data!.status).toMatchObject({ completed: false, failed: true });
          expect(data!.status.errors).toEqual([`The batch could not be run (${MAX_WORK_FAILURES} attempts): error: poisoned batch ${id}`]);
          expect(data!.callback?.status).toBe('failed');
          const callback = await db.selectFrom('callbacks').select(['status', 'errors']).where('id', '=', row.callback_id!).executeTakeFirstOrThrow();
          expect(callback.errors).toEqual([`not sent: The batch could not be run (${MAX_WORK_FAILURES} attempts): error: poisoned batch ${id}`]);
        }
        await receiver.waitFor(1);
        expect(receiver.on('/healthy')).toHaveLength(1);
        expect(receiver.on('/poison-1')).toHaveLength(0);
        expect(receiver.on('/poison-2')).toHaveLength(0);
        expect(await db.selectFrom('deliveries').select('id').where('callback_id', 'in', [(await batch(first)).callback_id!, (await batch(second)).callback_id!]).execute()).toEqual([]);
      } finally {
        await runner.stop();
      }
    } finally {
      await sql`drop trigger poison_batches on action_batches`.execute(db);
      await sql`drop function poison_batches()`.execute(db);
    }
  });

  it('take turns by organization: one batch behind a backlog of another organization is not served last', async () => {
    const { db } = t.server.ctx;
    const backlog: string[] = [];
    for (let i = 0; i < 20; i += 1) backlog.push(await queue(t.client, t.demo.organizationId, t.demo.networkIds[i % 2]!, `/backlog-${i}`));
    const single = await queue(t.otherClient, t.other.organizationId, t.other.networkId, '/single');
    const runner = await startRunner(1);
    try {
      await finished(single);
      for (const id of backlog) await finished(id);
    } finally {
      await runner.stop();
    }
    const order = await db
      .selectFrom('action_batches')
      .select(['id', 'organization_id'])
      .where('id', 'in', [...backlog, single])
      .orderBy('finished_at')
      .orderBy('id')
      .execute();
    expect(order).toHaveLength(21);
    // Oldest-first would serve it 21st; taking turns serves it right after the batch already running.
    expect(order.findIndex((r) => r.id === single)).toBeLessThanOrEqual(1);
  });
});
