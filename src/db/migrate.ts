/** Runs the schema migrations, in order, on either database. */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as callbacks from './migrations/0002-callbacks.js';
import * as liveToolJobs from './migrations/0003-live-tool-jobs.js';
import * as liveToolLeases from './migrations/0004-live-tool-leases.js';
import * as dongleCommands from './migrations/0005-dongle-commands.js';
import * as actionBatches from './migrations/0006-action-batches.js';
import * as outboxFillfactor from './migrations/0007-outbox-fillfactor.js';
import * as workFailures from './migrations/0008-work-failures.js';
import * as deliveryOrganization from './migrations/0009-delivery-organization.js';
import * as apiKeyRevocation from './migrations/0010-api-key-revocation.js';
import * as inboxes from './migrations/0011-inboxes.js';

// Listed statically (not read from disk) so the same code runs under tsx, tests and bundlers.
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-callbacks': callbacks,
  '0003-live-tool-jobs': liveToolJobs,
  '0004-live-tool-leases': liveToolLeases,
  '0005-dongle-commands': dongleCommands,
  '0006-action-batches': actionBatches,
  '0007-outbox-fillfactor': outboxFillfactor,
  '0008-work-failures': workFailures,
  '0009-delivery-organization': deliveryOrganization,
  '0010-api-key-revocation': apiKeyRevocation,
  '0011-inboxes': inboxes,
};

/** Brings the schema up to date and returns the names of the migrations it applied (none when it was current); throws with the failing migration's name if one fails. */
export async function migrate(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
