/** Creates a live tool job: the code behind each tool's POST. */
import { sql, type Insertable, type Kysely } from 'kysely';
import { LIVE_TOOLS_CHANNEL } from '../db/channels.js';
import type { CallbackTable, Database, LiveToolJobRow, LiveToolJobTable } from '../db/database.js';

/** A new job's columns, but its callback, which `insertLiveToolJob` links. */
export type NewLiveToolJob = Pick<Insertable<LiveToolJobTable>, 'kind' | 'serial' | 'organization_id' | 'network_id' | 'request' | 'deadline'>;

/**
 * Stores `job` and, when there is one, its `callback`, and announces it to every runner (the payload names `owner`, the
 * runner of the server that created it, which claims it at once). One statement either way, atomic without a
 * transaction of its own: the callback is inserted by a CTE whose id the job takes, two round trips less than BEGIN,
 * two inserts and COMMIT.
 */
export async function insertLiveToolJob(
  db: Kysely<Database>,
  job: NewLiveToolJob,
  callback: Insertable<CallbackTable> | undefined,
  owner: string,
): Promise<LiveToolJobRow> {
  // Wakes the other servers' runners on commit (should this one fail to claim the job, another runs it).
  const notify = sql<string>`pg_notify(${LIVE_TOOLS_CHANNEL}, ${owner})`.as('notified');
  if (!callback) return db.insertInto('live_tool_jobs').values(job).returningAll().returning(notify).executeTakeFirstOrThrow();
  return db
    .with('cb', (q) => q.insertInto('callbacks').values(callback).returning('id'))
    .insertInto('live_tool_jobs')
    .columns(['kind', 'serial', 'organization_id', 'network_id', 'request', 'deadline', 'callback_id'])
    .expression((eb) =>
      eb
        .selectFrom('cb')
        .select([
          eb.val(job.kind).as('kind'),
          eb.val(job.serial).as('serial'),
          // A parameter in a select list is text unless cast.
          sql<string>`${job.organization_id}::bigint`.as('organization_id'),
          sql<string>`${job.network_id}::bigint`.as('network_id'),
          sql<string>`${job.request}::json`.as('request'),
          sql<Date>`${job.deadline}::timestamptz`.as('deadline'),
          'cb.id as callback_id',
        ]),
    )
    .returningAll()
    .returning(notify)
    .executeTakeFirstOrThrow();
}
