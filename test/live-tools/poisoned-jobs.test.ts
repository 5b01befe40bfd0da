/**
 * A live tool job whose finishing keeps throwing is run a bounded number of times, then settled `failed` with its
 * callback failed unsent (never `running` forever); runner slots go to organizations in turn. The poison is real: a
 * PL/pgSQL trigger that raises when a runner completes one organization's job.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import type { Client } from '../../generated/client/client/index.js';
import { MAX_WORK_FAILURES } from '../../src/db/work-failures.js';
import { SimulatorDriver } from '../../src/devices/simulator-driver.js';
import { FairLimit } from '../../src/concurrency/fair-limit.js';
import { LiveToolRunner } from '../../src/live-tools/live-tool-runner.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
  // The server's own runner is stopped: each test runs the jobs it created with a runner of its own.
  await t.server.runners.liveTools.stop();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function ping(client: Client, serial: string, path?: string): Promise<string> {
  const created = await sdk.createDeviceLiveToolsPing({ client, path: { serial }, body: { target: '8.8.8.8', count: 1, ...(path ? { callback: { url: `${receiver.url}${path}` } } : {}) } });
  expect(created.response.status).toBe(201);
  return created.data!.pingId!;
}

async function job(id: string) {
  return t.server.ctx.db.selectFrom('live_tool_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function untilFinished(id: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await job(id);
    if (row.status === 'complete' || row.status === 'failed') return row;
    if (Date.now() > until) throw new Error(`job ${id} still ${row.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('poisoned live tool jobs', () => {
  it('end failed with the error and their callback failed unsent after the bounded runs; another organization is served', async () => {
    const { db, callbacks } = t.server.ctx;
    await sql
      .raw(`
        create function poison_jobs() returns trigger language plpgsql as $$
        begin
          if new.status = 'complete' and new.organization_id = ${BigInt(t.demo.organizationId)} then
            raise exception 'poisoned job %', new.id;
          end if;
          return new;
        end $$`)
      .execute(db);
    await sql`create trigger poison_jobs before update on live_tool_jobs for each row execute function poison_jobs()`.execute(db);
    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver());
    try {
      const poisoned = await ping(t.client, 'Q2MS-DEMO-0002', '/poisoned');
      const healthy = await ping(t.otherClient, t.other.serial, '/healthy');
      await runner.start();
      const done = await untilFinished(healthy);
      expect(done.status).toBe('complete');
      const failed = await untilFinished(poisoned);
      expect(failed).toMatchObject({ status: 'failed', failures: MAX_WORK_FAILURES, runs: MAX_WORK_FAILURES, lease_owner: null });
      expect(failed.error).toBe(`The job could not be finished (${MAX_WORK_FAILURES} attempts): error: poisoned job ${poisoned}`);
      expect(failed.finished_at!.getTime()).toBeGreaterThan(done.finished_at!.getTime());
      const { data } = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002', id: poisoned } });
      expect(data).toMatchObject({ status: 'failed', error: failed.error, callback: { status: 'failed' } });
      const callback = await db.selectFrom('callbacks').select(['status', 'errors']).where('id', '=', failed.callback_id!).executeTakeFirstOrThrow();
      expect(callback).toEqual({ status: 'failed', errors: [`not sent: ${failed.error}`] });
      await receiver.waitFor(1);
      expect(receiver.on('/healthy')).toHaveLength(1);
      expect(receiver.on('/poisoned')).toHaveLength(0);
      expect(await db.selectFrom('deliveries').select('id').where('callback_id', '=', failed.callback_id!).execute()).toEqual([]);
    } finally {
      await runner.stop();
      await sql`drop trigger poison_jobs on live_tool_jobs`.execute(db);
      await sql`drop function poison_jobs()`.execute(db);
    }
  });

  it('give runner slots to organizations in turn: one job behind another organization backlog is not run last', async () => {
    const { db, callbacks } = t.server.ctx;
    const backlog: string[] = [];
    // Created first, so their deadlines come first too.
    for (let i = 0; i < 12; i += 1) backlog.push(await ping(t.client, ['Q2MX-DEMO-0001', 'Q2MS-DEMO-0002', 'Q2MR-DEMO-0003'][i % 3]!));
    const single = await ping(t.otherClient, t.other.serial);
    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver(), { maxInFlight: 1 });
    await runner.start();
    try {
      for (const id of [...backlog, single]) await untilFinished(id);
    } finally {
      await runner.stop();
    }
    const order = await db.selectFrom('live_tool_jobs').select(['id', 'status']).where('id', 'in', [...backlog, single]).orderBy('started_at').orderBy('id').execute();
    expect(order.map((r) => r.status)).toEqual(Array(13).fill('complete'));
    // First come first served would start it 13th; in turn, it starts right after the job holding the one slot.
    expect(order.findIndex((r) => r.id === single)).toBeLessThanOrEqual(1);
  });
});

describe('FairLimit', () => {
  it('hands a freed slot to the waiting key served least recently, each key in order', async () => {
    const limit = new FairLimit(1);
    const served: string[] = [];
    const first = limit.tryAcquire('a')!;
    const waits = ['a1', 'a2', 'a3', 'b1', 'c1', 'b2'].map((name) =>
      limit.acquire(name[0]!).then((release) => {
        served.push(name);
        release();
      }),
    );
    expect(limit.tryAcquire('z')).toBeUndefined();
    first();
    await Promise.all(waits);
    expect(served).toEqual(['b1', 'c1', 'a1', 'b2', 'a2', 'a3']);
  });
});
