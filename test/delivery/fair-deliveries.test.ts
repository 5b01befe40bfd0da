/**
 * One organization's backlog never holds up another organization's deliveries: not a backlog to a receiver that takes
 * its time answering, nor a large one to a fast receiver. The backlog is queued straight into the outbox (as many
 * rows as a busy tenant would have); the other organization's callback comes through the API.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { DELIVERY_CHANNEL } from '../../src/db/channels.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** How long the slow receiver takes to answer, in milliseconds: one of its deliveries' run time. */
const SLOW_MS = 3_000;

let t: TestServer;
let backlogReceiver: RecordingReceiver;
let otherReceiver: RecordingReceiver;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  backlogReceiver = await RecordingReceiver.start();
  otherReceiver = await RecordingReceiver.start();
});
afterAll(async () => {
  // Nothing left for the stopping worker to wait on.
  await sql`update deliveries set status = 'failed' where status = 'pending'`.execute(t.server.ctx.db);
  backlogReceiver?.reply(() => ({ status: 200 }));
  await t?.stop();
  await backlogReceiver?.close();
  await otherReceiver?.close();
});

/** Queues `n` deliveries of the demo organization to `url` in one statement, and wakes the worker. */
async function queueBacklog(url: string, n: number): Promise<void> {
  await sql`
    with made as (
      insert into callbacks (organization_id, contract, url, payload_template_id, signing, expires_at)
      select ${t.demo.organizationId}, 'webhook.sample', ${url}, 'wpt_00001', 'standard-webhooks', now() + interval '1 hour'
      from generate_series(1, ${n}) returning id)
    insert into deliveries (callback_id, organization_id, webhook_id, url, body, headers)
    select id, ${t.demo.organizationId}, 'msg_backlog_' || id, ${url}, '{"backlog":true}', '{}'::jsonb from made`.execute(t.server.ctx.db);
  await sql`select pg_notify(${DELIVERY_CHANNEL}, ${t.demo.organizationId}::text)`.execute(t.server.ctx.db);
}

/** Sends the other organization's webhook test to `path` and says how many backlog requests had arrived when it did, and after how long. */
async function otherOrganizationsCallback(path: string): Promise<{ backlogBefore: number; waitedMs: number }> {
  const queuedAt = Date.now();
  const { response } = await sdk.createNetworkWebhooksWebhookTest({
    client: t.otherClient,
    path: { networkId: t.other.networkId },
    body: { url: `${otherReceiver.url}${path}` },
  });
  expect(response.status).toBe(201);
  const [received] = await otherReceiver.waitOn(path, 1, 30_000);
  return { backlogBefore: backlogReceiver.received.filter((r) => r.at <= received!.at).length, waitedMs: received!.at - queuedAt };
}

describe('deliveries are fair across organizations', () => {
  it('a backlog to a slow receiver: the other organization is sent within one of its run times, not after its backlog', async () => {
    backlogReceiver.reply(() => ({ status: 200, delayMs: SLOW_MS }));
    await queueBacklog(`${backlogReceiver.url}/slow`, 600);
    // The backlog is being sent: its receiver's first requests are in.
    await backlogReceiver.waitOn('/slow', 1, 30_000);
    const { backlogBefore, waitedMs } = await otherOrganizationsCallback('/beside-slow');
    // Oldest first with whole batches, it waited behind several rounds of 64 slow answers (24 s when they took 2 s).
    expect(waitedMs).toBeLessThan(SLOW_MS);
    // At most the requests the slow receiver had in flight, and one round after them.
    expect(backlogBefore).toBeLessThanOrEqual(2 * 64);
    // The backlog goes on at its receiver's pace.
    await backlogReceiver.waitOn('/slow', 65, 30_000);
    await sql`update deliveries set status = 'failed' where status = 'pending' and url = ${`${backlogReceiver.url}/slow`}`.execute(t.server.ctx.db);
  }, 90_000);

  it('a large backlog to a fast receiver: the other organization is sent long before that backlog is', async () => {
    // The slow round's last requests are still being answered; this backlog goes to another path of the same receiver.
    backlogReceiver.reply(() => ({ status: 200 }));
    await queueBacklog(`${backlogReceiver.url}/fast`, 4_000);
    await backlogReceiver.waitOn('/fast', 1, 30_000);
    const { waitedMs } = await otherOrganizationsCallback('/beside-fast');
    const fastBefore = backlogReceiver.on('/fast').filter((r) => r.at <= otherReceiver.on('/beside-fast')[0]!.at).length;
    // What the backlog's organization had claimed (its share and one batch) and little more, never the whole backlog.
    expect(fastBefore).toBeLessThan(1_500);
    expect(waitedMs).toBeLessThan(SLOW_MS);
    // And all of it is delivered, each once.
    const deliveredCount = async () =>
      Number(
        (
          await t.server.ctx.db
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('url', '=', `${backlogReceiver.url}/fast`)
            .where('status', '=', 'delivered')
            .executeTakeFirstOrThrow()
        ).n,
      );
    await expect.poll(deliveredCount, { timeout: 60_000, interval: 200 }).toBe(4_000);
    const ids = backlogReceiver.on('/fast').map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(4_000);
    expect(ids).toHaveLength(4_000);
  }, 120_000);
});
