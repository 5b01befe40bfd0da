/**
 * Settles dongle commands when they fall due: the device's answer (COMMAND_EXECUTED) at its answer time, the TIMEOUT at
 * its deadline. Both times are stored on the row, so whichever server is up when one passes settles it, after a restart too.
 * A command whose settling throws is rolled back alone (a savepoint), so it holds up no other command, and is tried
 * again after a back-off; after MAX_WORK_FAILURES it is closed as a TIMEOUT (AutoPi's only unsuccessful state) with the
 * error kept and its callback failed unsent.
 */
import { sql, type Kysely } from 'kysely';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { Wakeup } from '../concurrency/wakeup.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import { DONGLE_COMMAND_CHANNEL } from '../db/channels.js';
import type { Db, Unlisten } from '../db/create-db.js';
import type { Database, DongleCommandRow } from '../db/database.js';
import { isDatabaseUnreachable } from '../db/database-unreachable.js';
import type { DeviceDriver } from '../devices/device-driver.js';
import { deviceFacts } from '../devices/device-facts.js';
import { failCallbackUnsent, MAX_WORK_FAILURES, nextTryAfterFailure, workFailureReason } from '../db/work-failures.js';
import { executedPayload, timeoutPayload } from './dongle-command.js';
import { pythonIsoformat } from './salt-python-text.js';

/** Commands settled per transaction. */
const BATCH = 100;
/** The longest sleep between looks at the table, in milliseconds: a safety net should a NOTIFY be lost. */
const MAX_SLEEP_MS = 30_000;
/** The shortest sleep, in milliseconds. */
const MIN_SLEEP_MS = 20;
/** How long to wait before trying again after a database error, in milliseconds. */
const ERROR_PAUSE_MS = 1_000;

/** Wakes at the next due time of any waiting command (or when told), settles what is due, and sleeps again. */
export class DongleCommandRunner {
  private loop: Promise<void> | undefined;
  /** Its sleep timers keep no process alive: a sleep only waits for the next due time. */
  private readonly wakeup = new Wakeup({ unref: true });
  /** A failure could not be recorded during the last pass: wait ERROR_PAUSE_MS rather than look again at once. */
  private backOff = false;
  private stopped = false;
  private unlisten: Unlisten | undefined;

  constructor(
    private readonly db: Db,
    private readonly callbacks: CallbackContext,
    /** Runs the command on the dongle: the same driver contract as live tools. */
    private readonly driver: DeviceDriver,
  ) {}

  /** Listens for new commands and settles whatever fell due while no server was running. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(DONGLE_COMMAND_CHANNEL, () => this.wake());
    // Stopped while the listener was being set up.
    if (this.stopped) return;
    const firstLook = this.look();
    this.loop = firstLook.then((sleepMs) => this.sleepAndLook(sleepMs));
    await firstLook;
  }

  /** Looks at the table now (after a command was created, or on a NOTIFY); calls arriving during a look make it look again. */
  wake(): void {
    this.wakeup.wake();
  }

  /** Stops waking; waits for a look in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.stop();
    await this.unlisten?.();
    await this.loop;
  }

  /** Sleeps until the next due time or a wake, looks, and again, until stopped. */
  private async sleepAndLook(sleepMs: number): Promise<void> {
    while (!this.stopped) {
      // Still due after a full pass means another server holds those rows: look again shortly rather than spin. A wake
      // that came during the look ends the sleep at once, even a back-off's.
      await this.wakeup.sleep(Math.min(Math.max(sleepMs, MIN_SLEEP_MS), MAX_SLEEP_MS));
      if (this.stopped) return;
      sleepMs = await this.look();
    }
  }

  /** Settles what is due; returns how long to sleep before looking again, in milliseconds. */
  private async look(): Promise<number> {
    // This look sees whatever earlier wakes announced.
    this.wakeup.clear();
    this.backOff = false;
    try {
      await this.settleDue();
      return this.backOff ? ERROR_PAUSE_MS : await this.untilNextDue();
    } catch (err) {
      this.callbacks.logger.error({ err }, 'settling dongle commands failed; trying again shortly');
      return ERROR_PAUSE_MS;
    }
  }

  /** Milliseconds until the earliest answer or deadline of a waiting command (MAX_SLEEP_MS when none waits). */
  private async untilNextDue(): Promise<number> {
    const { due } = await this.db
      .selectFrom('dongle_commands')
      // least() skips nulls: an offline device's command waits only for its deadline, a timed-out one only for its answer.
      // greatest() too skips nulls: a command waiting out a failure's back-off is due when the back-off ends.
      .select(sql<Date | null>`min(greatest(least(answer_at, case when timed_out_at is null then deadline end), next_attempt_at))`.as('due'))
      .where('answered_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (!due) return MAX_SLEEP_MS;
    return new Date(due).getTime() - this.callbacks.now().getTime();
  }

  /** Settles every due command, a batch per transaction; rows another server is settling are skipped, not waited for. */
  private async settleDue(): Promise<void> {
    for (;;) {
      const now = this.callbacks.now();
      const settled = await this.db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('dongle_commands')
          .selectAll()
          .where('answered_at', 'is', null)
          .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
          .where((eb) =>
            eb.or([
              eb('answer_at', '<=', now),
              eb.and([
                eb('timed_out_at', 'is', null),
                eb('deadline', '<=', now),
                eb.or([eb('answer_at', 'is', null), eb('answer_at', '>', eb.ref('deadline'))]),
              ]),
            ]),
          )
          .orderBy('deadline')
          .limit(BATCH)
          .forUpdate()
          .skipLocked()
          .execute();
        for (const row of rows) {
          // One command's failure must not undo the others settled in this transaction, nor stop the rest.
          await sql`savepoint settle_command`.execute(trx);
          try {
            await this.settle(trx, row, now);
            await sql`release savepoint settle_command`.execute(trx);
          } catch (err) {
            await sql`rollback to savepoint settle_command`.execute(trx);
            if (isDatabaseUnreachable(err)) throw err;
            try {
              await this.recordFailure(trx, row, err, now);
            } catch (recordErr) {
              // Not even the failure could be written: the command stays due, and this runner backs off.
              await sql`rollback to savepoint settle_command`.execute(trx);
              this.callbacks.logger.error({ err: recordErr, jid: row.jid }, 'recording a dongle command failure failed');
              this.backOff = true;
            }
          }
        }
        return rows.length;
      });
      if (settled < BATCH || this.stopped || this.backOff) return;
    }
  }

  /**
   * Counts a failure to settle `row` (whatever it did was rolled back): it waits out a back-off, or at the
   * MAX_WORK_FAILURES-th failure it is closed, `answered_at` and `timed_out_at` set without a result (so it reads as
   * TIMEOUT and leaves the waiting commands), and its callback failed unsent. Plain updates, which do not re-run the
   * function nor render a payload.
   */
  private async recordFailure(trx: Kysely<Database>, row: DongleCommandRow, err: unknown, now: Date): Promise<void> {
    const reason = workFailureReason(err);
    const settle = sql<boolean>`failures + 1 >= ${MAX_WORK_FAILURES}`;
    const updated = await trx
      .updateTable('dongle_commands')
      .set({
        failures: sql`failures + 1`,
        last_error: reason,
        next_attempt_at: sql`case when ${settle} then null else ${nextTryAfterFailure(now, sql.ref('failures'))} end`,
        answered_at: sql`case when ${settle} then ${now}::timestamptz end`,
        timed_out_at: sql`case when ${settle} then coalesce(timed_out_at, ${now}::timestamptz) else timed_out_at end`,
      } as never)
      .where('jid', '=', row.jid)
      .returning(['failures', 'callback_id', 'answered_at'])
      .executeTakeFirstOrThrow();
    if (updated.answered_at === null) {
      this.callbacks.logger.warn({ err, jid: row.jid, failures: updated.failures }, 'settling a dongle command failed; it will be tried again');
      return;
    }
    this.callbacks.logger.error({ err, jid: row.jid, failures: updated.failures }, 'dongle command kept failing; closed without an answer');
    if (updated.callback_id) {
      await failCallbackUnsent(trx, updated.callback_id, `not sent: the command could not be settled (${MAX_WORK_FAILURES} attempts): ${reason}`);
    }
  }

  /** Times the command out and/or records the device's answer, in that order, queueing each payload for its callback. */
  private async settle(trx: Kysely<Database>, row: DongleCommandRow, now: Date): Promise<void> {
    const answerAt = row.answer_at;
    // A device that answered before its deadline never times out, however late the server looks.
    if (row.timed_out_at === null && row.deadline <= now && (answerAt === null || answerAt > row.deadline)) {
      const timedOut = await trx
        .updateTable('dongle_commands')
        .set({ timed_out_at: row.deadline })
        .where('jid', '=', row.jid)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (timedOut.callback_id) await enqueuePayload(trx, this.callbacks, timedOut.callback_id, timeoutPayload(timedOut), 'TIMEOUT');
    }
    if (answerAt === null || answerAt > now) return;
    const device = await trx.selectFrom('devices').selectAll().where('serial', '=', row.serial).executeTakeFirstOrThrow();
    // The function runs at the moment the device answered, so its readings are those of that moment.
    const result = this.driver.runSaltFunction(deviceFacts(device), row.fun, row.args, row.kwargs, answerAt);
    const answered = await trx
      .updateTable('dongle_commands')
      .set({ answered_at: answerAt, result: JSON.stringify({ ...result, stamp: pythonIsoformat(answerAt) }) })
      .where('jid', '=', row.jid)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (answered.callback_id) {
      await enqueuePayload(trx, this.callbacks, answered.callback_id, executedPayload(answered), 'COMMAND_EXECUTED');
    }
  }
}
