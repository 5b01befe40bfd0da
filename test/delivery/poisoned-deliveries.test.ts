/**
 * A delivery that cannot even be attempted, or whose outcome cannot be recorded, is abandoned with the reason, alone:
 * the deliveries claimed with it are recorded as usual. The poison is real: a PL/pgSQL trigger that raises when the
 * worker logs an attempt of one organization.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { DELIVERY_CHANNEL } from '../../src/db/channels.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function deliveryTo(url: string) {
  return t.server.ctx.db.selectFrom('deliveries').selectAll().where('url', '=', url).executeTakeFirstOrThrow();
}

async function settled(url: string) {
  await expect.poll(async () => (await deliveryTo(url)).status, { timeout: 15_000, interval: 50 }).not.toBe('pending');
  return deliveryTo(url);
}

describe('poisoned deliveries', () => {
  it('one whose outcome cannot be recorded is abandoned with the reason; the other organization is recorded delivered', async () => {
    const { db } = t.server.ctx;
    await sql
      .raw(`
        create function poison_attempts() returns trigger language plpgsql as $$
        begin
          if new.organization_id = ${BigInt(t.demo.organizationId)} then raise exception 'poisoned attempt of %', new.delivery_id; end if;
          return new;
        end $$`)
      .execute(db);
    await sql`create trigger poison_attempts before insert on delivery_attempts for each row execute function poison_attempts()`.execute(db);
    try {
      const poisonedUrl = `${receiver.url}/poisoned`;
      const healthyUrl = `${receiver.url}/healthy`;
      const [poisoned, healthy] = await Promise.all([
        sdk.createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId: t.demo.networkIds[0]! }, body: { url: poisonedUrl } }),
        sdk.createNetworkWebhooksWebhookTest({ client: t.otherClient, path: { networkId: t.other.networkId }, body: { url: healthyUrl } }),
      ]);
      expect([poisoned.response.status, healthy.response.status]).toEqual([201, 201]);
      const failed = await settled(poisonedUrl);
      expect(failed).toMatchObject({ status: 'failed', attempts: 0 });
      expect(failed.last_error).toBe(`its outcome could not be recorded: error: poisoned attempt of ${failed.id}`);
      const callback = await db.selectFrom('callbacks').select(['status', 'errors']).where('id', '=', failed.callback_id).executeTakeFirstOrThrow();
      expect(callback).toEqual({ status: 'failed', errors: [`abandoned: ${failed.last_error}`] });
      expect(await settled(healthyUrl)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(receiver.on('/poisoned')).toHaveLength(1);
      expect(receiver.on('/healthy')).toHaveLength(1);
    } finally {
      await sql`drop trigger poison_attempts on delivery_attempts`.execute(db);
      await sql`drop function poison_attempts()`.execute(db);
    }
  });

  it('one that cannot be attempted (its stored URL does not parse) is abandoned at once with the reason', async () => {
    const { db } = t.server.ctx;
    const url = 'http://%zz/';
    const { id: callbackId } = await db
      .insertInto('callbacks')
      .values({
        organization_id: t.demo.organizationId,
        network_id: t.demo.networkIds[0]!,
        contract: 'webhook.sample',
        url,
        payload_template_id: 'wpt_00001',
        signing: 'standard-webhooks',
        expires_at: new Date(Date.now() + 3_600_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('deliveries').values({ callback_id: callbackId, organization_id: t.demo.organizationId, webhook_id: 'msg_unattemptable', url, body: '{}', headers: '{}' }).execute();
    await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(db);
    const failed = await settled(url);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_error: 'could not be attempted: TypeError: Invalid URL' });
    const callback = await db.selectFrom('callbacks').select(['status', 'errors']).where('id', '=', callbackId).executeTakeFirstOrThrow();
    expect(callback.status).toBe('failed');
    expect(callback.errors).toEqual(['attempt 1 to http://%zz/: could not be attempted: TypeError: Invalid URL']);
  });
});
