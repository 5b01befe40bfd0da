/**
 * A dongle command whose settling keeps throwing holds up no other command (it is rolled back alone), is tried a
 * bounded number of times, then closed with its callback failed unsent. The poison is real: a PL/pgSQL trigger that
 * raises when a runner records one organization's answer.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { MAX_WORK_FAILURES } from '../../src/db/work-failures.js';
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

async function command(jid: string) {
  return t.server.ctx.db.selectFrom('dongle_commands').selectAll().where('jid', '=', jid).executeTakeFirstOrThrow();
}

describe('poisoned dongle commands', () => {
  it('are closed after the bounded tries with their callback failed, while another command is settled at once', async () => {
    const { db } = t.server.ctx;
    await sql
      .raw(`
        create function poison_commands() returns trigger language plpgsql as $$
        begin
          if new.result is not null and new.organization_id = ${BigInt(t.demo.organizationId)} then
            raise exception 'poisoned command %', new.jid;
          end if;
          return new;
        end $$`)
      .execute(db);
    await sql`create trigger poison_commands before update on dongle_commands for each row execute function poison_commands()`.execute(db);
    try {
      const { data: dongles } = await sdk.dongleDevicesList({ client: t.client });
      const online = dongles!.find((d) => d.display.includes('answers at once'))!;
      const poisoned = await sdk.dongleDevicesExecuteCreate({
        client: t.client,
        path: { id: online.id },
        body: { command: 'test.ping', callback_url: `${receiver.url}/poisoned` },
      });
      const healthy = await sdk.dongleDevicesExecuteCreate({
        client: t.otherClient,
        path: { id: t.other.dongleId },
        body: { command: 'test.ping', callback_url: `${receiver.url}/healthy` },
      });
      const poisonedJid = poisoned.data!.jid;
      const [delivered] = await receiver.waitOn('/healthy', 1, 10_000);
      expect(JSON.parse(delivered!.body)).toMatchObject({ jid: healthy.data!.jid, state: 'COMMAND_EXECUTED', success: true });
      // The other organization's command was settled while the poisoned one was still being retried.
      expect((await command(poisonedJid)).answered_at).toBeNull();

      await expect.poll(async () => (await command(poisonedJid)).answered_at, { timeout: 15_000, interval: 50 }).not.toBeNull();
      const row = await command(poisonedJid);
      expect(row).toMatchObject({ failures: MAX_WORK_FAILURES, result: null, next_attempt_at: null });
      expect(row.last_error).toBe(`error: poisoned command ${poisonedJid}`);
      const job = await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: online.id, jid: poisonedJid } });
      expect(job.data).toMatchObject({ jid: poisonedJid, state: 'TIMEOUT', success: false, response: null });
      const callback = await db.selectFrom('callbacks').select(['status', 'errors']).where('id', '=', row.callback_id!).executeTakeFirstOrThrow();
      expect(callback).toEqual({
        status: 'failed',
        errors: [`not sent: the command could not be settled (${MAX_WORK_FAILURES} attempts): error: poisoned command ${poisonedJid}`],
      });
      expect(receiver.on('/poisoned')).toHaveLength(0);
      expect(await db.selectFrom('deliveries').select('id').where('callback_id', '=', row.callback_id!).execute()).toEqual([]);
    } finally {
      await sql`drop trigger poison_commands on dongle_commands`.execute(db);
      await sql`drop function poison_commands()`.execute(db);
    }
  });
});
