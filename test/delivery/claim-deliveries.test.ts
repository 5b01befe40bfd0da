/** Claiming from the outbox, on a real database: oldest first, a callback's payloads in order, and organizations skipped when asked. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/create-db.js';
import { seedDemo } from '../../src/db/seed.js';
import { claimDeliveries, nextDueAt, releaseDeliveries } from '../../src/delivery/claim-deliveries.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let testDb: TestDatabase;
let db: Db;
let first: string;
let second: string;
let third: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await createDb(testDb);
  first = (await seedDemo(db, {}))!.organizationId;
  const made = await sql<{ id: string }>`insert into organizations (name) values ('Second'), ('Third') returning id`.execute(db);
  [second, third] = made.rows.map((r) => r.id) as [string, string];
});
afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

/** Queues `n` deliveries of `organizationId`, each its own callback, due `dueInMs` from now; returns their ids in order. */
async function queue(organizationId: string, n: number, dueInMs = 0): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with made as (
      insert into callbacks (organization_id, contract, url, payload_template_id, signing, expires_at)
      select ${organizationId}, 'webhook.sample', 'http://127.0.0.1:9/claims', 'wpt_00001', 'standard-webhooks', now() + interval '1 hour'
      from generate_series(1, ${n}) returning id)
    insert into deliveries (callback_id, organization_id, webhook_id, url, body, headers, next_attempt_at)
    select id, ${organizationId}, 'msg_claims_' || id, 'http://127.0.0.1:9/claims', '{}', '{}'::jsonb, now() + ${`${dueInMs} milliseconds`}::interval
    from made order by id
    returning id`.execute(db);
  return rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

describe('claimDeliveries', () => {
  it('takes the oldest due rows of all organizations, or only of those not skipped; leased rows are not taken twice', async () => {
    const ofFirst = await queue(first, 30);
    const ofSecond = await queue(second, 3);
    const ofThird = await queue(third, 2);
    const skipping = await claimDeliveries(db, 10, 60_000, [first]);
    expect(skipping.map((d) => d.id)).toEqual([...ofSecond, ...ofThird]);
    expect(new Set(skipping.map((d) => d.organization_id))).toEqual(new Set([second, third]));
    // Nothing of the others is left unleased; the skipped organization's rows are all still there.
    expect(await claimDeliveries(db, 10, 60_000, [first])).toEqual([]);
    const plain = await claimDeliveries(db, 10, 60_000);
    expect(plain.map((d) => d.id)).toEqual(ofFirst.slice(0, 10));
    await releaseDeliveries(db, [...plain, ...skipping].map((d) => d.id));
    const again = await claimDeliveries(db, 100, 60_000, [second]);
    expect(again.map((d) => d.id)).toEqual([...ofFirst, ...ofThird]);
    await sql`update deliveries set status = 'delivered', leased_until = null where status = 'pending'`.execute(db);
  });

  it('holds back a later payload of a callback while an earlier one is pending, skipping or not', async () => {
    const [older] = await queue(second, 1);
    const { callback_id } = await db.selectFrom('deliveries').select('callback_id').where('id', '=', older!).executeTakeFirstOrThrow();
    const later = await db
      .insertInto('deliveries')
      .values({ callback_id, organization_id: second, webhook_id: 'msg_claims_later', url: 'http://127.0.0.1:9/claims', body: '{}', headers: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await claimDeliveries(db, 10, 60_000, [first])).map((d) => d.id)).toEqual([older]);
    expect(await claimDeliveries(db, 10, 60_000, [first])).toEqual([]);
    await db.updateTable('deliveries').set({ status: 'delivered', leased_until: null }).where('id', '=', older!).execute();
    expect((await claimDeliveries(db, 10, 60_000, [first])).map((d) => d.id)).toEqual([later.id]);
    await sql`update deliveries set status = 'delivered', leased_until = null where status = 'pending'`.execute(db);
  });
});

describe('nextDueAt', () => {
  it('is the earliest time a pending delivery falls due, leaving out skipped organizations', async () => {
    expect(await nextDueAt(db)).toBeNull();
    await queue(first, 5, 1_000);
    await queue(second, 2, 60_000);
    const now = Date.now();
    const all = await nextDueAt(db);
    const skippingFirst = await nextDueAt(db, [first]);
    expect(all!.getTime() - now).toBeGreaterThan(0);
    expect(all!.getTime() - now).toBeLessThanOrEqual(1_000);
    expect(skippingFirst!.getTime() - now).toBeGreaterThan(50_000);
    expect(skippingFirst!.getTime() - now).toBeLessThanOrEqual(60_000);
    expect(await nextDueAt(db, [first, second])).toBeNull();
  });
});
