/** The action batch limits: actions per batch, and confirmed batches executing at once per organization. */
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { InputError } from '../errors.js';

/** The configured limits. */
export type BatchLimits = Pick<Config, 'actionBatchMaxSync' | 'actionBatchMaxAsync' | 'actionBatchMaxRunning'>;

/** Refuses (400) a batch with more actions than its mode allows. */
export function checkBatchSize(limits: BatchLimits, synchronous: boolean, actions: number): void {
  if (synchronous && actions > limits.actionBatchMaxSync) {
    throw new InputError(`Synchronous batches may have at most ${limits.actionBatchMaxSync} actions (this one has ${actions}); run it asynchronously instead`);
  }
  if (actions > limits.actionBatchMaxAsync) {
    throw new InputError(`Batches may have at most ${limits.actionBatchMaxAsync} actions (this one has ${actions}); split it`);
  }
}

/**
 * Refuses (400, Meraki's words, which its SDKs recognise and retry) a confirmation when the organization already has
 * the most confirmed batches still executing. Call inside the confirming transaction: the organization's row is locked
 * so that two confirmations cannot both take the last slot (NO KEY UPDATE leaves inserts referencing it unblocked).
 */
export async function admitBatch(trx: Kysely<Database>, limits: BatchLimits, organizationId: string): Promise<void> {
  await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).forNoKeyUpdate().executeTakeFirst();
  const { running } = await trx
    .selectFrom('action_batches')
    .select((eb) => eb.fn.countAll<string>().as('running'))
    .where('organization_id', '=', organizationId)
    .where('confirmed', '=', true)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  if (Number(running) >= limits.actionBatchMaxRunning) {
    throw new InputError(`Too many concurrently executing batches. Maximum is ${limits.actionBatchMaxRunning} confirmed but not yet executed batches.`);
  }
}
