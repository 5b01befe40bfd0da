/** Dongle commands (AutoPi-style): execute, execute_raw, the callback debug view and the read-back of a command. */
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { sql } from 'kysely';
import type { DongleCallback, DongleExecuteRawRequest, DongleExecuteRequest, DongleExecuteResponse } from '../../generated/client/types.gen.js';
import { DEFAULT_CALLBACK_TEMPLATE } from '../callbacks/included-templates.js';
import { checkCallbackUrl } from '../callbacks/resolve-target.js';
import { insertCallback } from '../callbacks/insert-callback.js';
import { DONGLE_COMMAND_CHANNEL } from '../db/channels.js';
import type { DongleCommandRow } from '../db/database.js';
import { deviceFacts } from '../devices/device-facts.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { callerOf, deviceOf, organizationOf } from '../http/request-context.js';
import { autopiTimestamp } from './autopi-timestamp.js';
import { commandOf, toDongleJob } from './dongle-command.js';
import { JidClock } from './jid-clock.js';
import { parseSaltCommandLine, SaltSyntaxError, type SaltCommand } from './salt-command-line.js';

/** The spec's default `callback_timeout`, in seconds. */
const DEFAULT_TIMEOUT_SECONDS = 120;

/** Routes under `/dongle/devices/{id}/`: `execute/`, `execute_raw/`, `callback/{jid}/` and `jobs/{jid}/`. */
export function dongleCommandRoutes(ctx: AppContext): Router {
  const { db, callbacks, dongleCommands, driver } = ctx;
  const router = Router({ strict: true });
  const jids = new JidClock();

  /** Stores the command (and its callback) in one transaction, then has the runner look at its due times. */
  async function send(req: Request, command: SaltCommand, body: DongleExecuteRawRequest, operationId: string): Promise<DongleExecuteResponse> {
    // The scope middleware has checked that the dongle exists and is the caller's.
    const device = deviceOf(req);
    if (body.callback_url !== undefined) await checkCallbackUrl(callbacks, body.callback_url);
    const timeout = body.callback_timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const now = callbacks.now();
    const jid = await db.transaction().execute(async (trx) => {
      const callbackId =
        body.callback_url === undefined
          ? null
          : await insertCallback(trx, callbacks, {
              organizationId: organizationOf(req),
              networkId: device.network_id,
              contract: `${operationId}.commandCallback`,
              target: { url: body.callback_url, httpServerId: null, payloadTemplateId: DEFAULT_CALLBACK_TEMPLATE, sharedSecret: null },
              signing: 'request-signature',
              // AutoPi signs with the token the command was sent with; it is sealed at rest and dies with the callback.
              secret: callerOf(req).apiKey,
              createdBy: callerOf(req).adminId,
            });
      // Delivered on commit: every server sharing the database then knows this command's due times.
      await sql`select pg_notify(${DONGLE_COMMAND_CHANNEL}, '')`.execute(trx);
      for (;;) {
        // Another server may have taken this microsecond: the primary key says so, and the next one is tried.
        const candidate = jids.next(now);
        const inserted = await trx
          .insertInto('dongle_commands')
          .values({
            jid: candidate,
            serial: device.serial,
            organization_id: device.organization_id,
            device_id: device.dongle_id!,
            unit_id: device.unit_id!,
            fun: command.fun,
            args: JSON.stringify(command.args),
            kwargs: JSON.stringify(command.kwargs),
            callback_id: callbackId,
            callback_url: body.callback_url ?? null,
            timeout_seconds: timeout,
            timeout_task_id: randomUUID(),
            created_at: now,
            answer_at: driver.dongleAnswerTime(deviceFacts(device), now),
            deadline: new Date(now.getTime() + timeout * 1000),
            expires_at: new Date(now.getTime() + callbacks.retentionMs),
          })
          .onConflict((oc) => oc.column('jid').doNothing())
          .returning('jid')
          .executeTakeFirst();
        if (inserted) return inserted.jid;
      }
    });
    dongleCommands.wake();
    return { jid, minions: [device.unit_id!] };
  }

  /** The caller's unexpired command `jid` on the dongle in the path, or 404. */
  async function findCommand(req: Request): Promise<DongleCommandRow> {
    const row = await db
      .selectFrom('dongle_commands')
      .selectAll()
      .where('jid', '=', req.params.jid!)
      .where('device_id', '=', req.params.id!)
      .where('organization_id', '=', organizationOf(req))
      // The sweeper deletes expired commands a little later; until then they are already gone for the API.
      .where('expires_at', '>', callbacks.now())
      .executeTakeFirst();
    if (!row) throw new NotFoundError('Job not found');
    return row;
  }

  router.post('/dongle/devices/:id/execute/', async (req, res) => {
    const body = req.body as DongleExecuteRequest;
    const command = { fun: body.command, args: body.arg ?? [], kwargs: body.kwarg ?? {} };
    res.json(await send(req, command, body, 'dongle_devices_execute_create'));
  });

  router.post('/dongle/devices/:id/execute_raw/', async (req, res) => {
    const body = req.body as DongleExecuteRawRequest;
    let command: SaltCommand;
    try {
      command = parseSaltCommandLine(body.command);
    } catch (err) {
      if (err instanceof SaltSyntaxError) throw new InputError(`command: ${err.message}`);
      throw err;
    }
    res.json(await send(req, command, body, 'dongle_devices_execute_raw_create'));
  });

  router.get('/dongle/devices/:id/callback/:jid/', async (req, res) => {
    const row = await findCommand(req);
    if (row.callback_id === null || row.callback_url === null) throw new NotFoundError('Callback not found: the command was sent without callback_url');
    // Every request actually sent, retries included, oldest first; the payload says its own state and success.
    const attempts = await db
      .selectFrom('delivery_attempts')
      .innerJoin('deliveries', 'deliveries.id', 'delivery_attempts.delivery_id')
      .select(['delivery_attempts.sent_at', 'delivery_attempts.response_code', 'deliveries.label', 'deliveries.body'])
      .where('deliveries.callback_id', '=', row.callback_id)
      .orderBy('delivery_attempts.sent_at')
      .orderBy('delivery_attempts.id')
      .execute();
    const view: DongleCallback = {
      sent_requests: attempts.map((a) => ({
        timestamp: autopiTimestamp(a.sent_at),
        state: a.label === 'TIMEOUT' ? 'TIMEOUT' : 'COMMAND_EXECUTED',
        success: (JSON.parse(a.body) as { success: boolean }).success,
        response_statuscode: a.response_code,
      })),
      url: row.callback_url,
      timestamp: autopiTimestamp(row.created_at),
      timeout_task_id: row.timeout_task_id,
      command: commandOf(row),
      timeout: row.timeout_seconds,
      device_id: row.device_id,
    };
    res.json(view);
  });

  router.get('/dongle/devices/:id/jobs/:jid/', async (req, res) => {
    res.json(toDongleJob(await findCommand(req)));
  });

  return router;
}
