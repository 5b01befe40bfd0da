/** Retention: deletes callbacks past their expiry, with their deliveries, attempt logs and encrypted secrets, and expired dongle commands and inbox requests. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** Deletes what expired before `now`; returns how many callbacks went. */
export async function sweepExpired(db: Kysely<Database>, now: Date): Promise<number> {
  // Deliveries and attempts go with their callback (on delete cascade), so secrets and logs never outlive it.
  const result = await db.deleteFrom('callbacks').where('expires_at', '<', now).executeTakeFirst();
  // Dongle commands are kept as long as callbacks (AutoPi's 2 days), with or without one.
  await db.deleteFrom('dongle_commands').where('expires_at', '<', now).execute();
  // What callback inboxes received expires with the callbacks it shows.
  await db.deleteFrom('inbox_requests').where('expires_at', '<', now).execute();
  return Number(result.numDeletedRows);
}
