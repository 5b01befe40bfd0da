/** Live tools: start a job on a device (201 with the job at once, the result later as a callback) and read it back. */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { CallbackInfo, CallbackRequest } from '../../generated/client/types.gen.js';
import { newCallbackRow } from '../callbacks/insert-callback.js';
import { resolveCallbackTarget, type CallbackTarget } from '../callbacks/resolve-target.js';
import { shownCallback } from '../callbacks/shown-callback.js';
import type { Database, DeviceRow, LiveToolJobRow } from '../db/database.js';
import { DEFAULT_PING_COUNT, type LiveToolKind, liveToolKinds } from '../devices/device-driver.js';
import { deviceFacts } from '../devices/device-facts.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { callerOf, deviceOf, organizationOf } from '../http/request-context.js';
import { insertLiveToolJob } from './create-live-tool-job.js';
import { findLiveToolJob } from './live-tool-jobs.js';
import { jobContract, toLiveToolJob } from './live-tool-job.js';
import { isRowId } from '../db/row-id.js';

/** Any live tool request body, as the spec validator let it through. */
interface LiveToolBody {
  target?: string;
  count?: number;
  vlanId?: number;
  mac?: string;
  ports?: string[];
  callback?: CallbackRequest;
}

/** The job's `request` as the API shows it: the parameters the tool runs with, defaults filled in. */
function jobRequest(kind: LiveToolKind, device: DeviceRow, body: LiveToolBody): Record<string, unknown> {
  const serial = device.serial;
  switch (kind) {
    case 'ping':
      return { serial, target: body.target, count: body.count ?? DEFAULT_PING_COUNT };
    case 'pingDevice':
      // The cloud pings the device itself: its address is the target.
      return { serial, ...(device.lan_ip ? { target: device.lan_ip } : {}), count: body.count ?? DEFAULT_PING_COUNT };
    case 'wakeOnLan':
      return { serial, vlanId: body.vlanId, mac: body.mac };
    case 'arpTable':
      return { serial };
    case 'cableTest':
      return { serial, ports: body.ports };
  }
}

/** The callback as a job shows it (see shownCallback). */
async function callbackInfo(db: Kysely<Database>, job: LiveToolJobRow): Promise<CallbackInfo | undefined> {
  if (!job.callback_id) return undefined;
  const callback = await db.selectFrom('callbacks').select(['id', 'url', 'status']).where('id', '=', job.callback_id).executeTakeFirst();
  if (!callback) return undefined;
  return shownCallback(callback, job.status === 'complete' || job.status === 'failed');
}

/** The job id's path parameter, as the spec names it for each tool (Meraki's own, uneven names). */
const jobIdParam: Record<LiveToolKind, string> = { ping: 'id', pingDevice: 'id', wakeOnLan: 'wakeOnLanId', arpTable: 'arpTableId', cableTest: 'id' };

/** Routes for `/api/v1/devices/{serial}/liveTools/{tool}` and `…/{tool}/{id}`, for the five tools. */
export function liveToolRoutes({ db, config, callbacks, driver, liveTools }: AppContext): Router {
  const router = Router();

  for (const kind of liveToolKinds) {
    router.post(`/api/v1/devices/:serial/liveTools/${kind}`, async (req, res) => {
      // pingDevice and arpTable make the body optional: with none sent, the parser leaves `req.body` undefined.
      const body = (req.body ?? {}) as LiveToolBody;
      // The scope middleware has checked that the device exists and is the caller's.
      const device = deviceOf(req);
      const reason = driver.unsupportedReason(deviceFacts(device), kind);
      if (reason !== null) throw new InputError(reason);
      // unsupportedReason refuses devices outside a network.
      const networkId = device.network_id!;
      let target: CallbackTarget | undefined;
      if (body.callback) target = await resolveCallbackTarget(db, callbacks, body.callback, networkId);
      const now = callbacks.now();
      const values = {
        kind,
        serial: device.serial,
        organization_id: device.organization_id,
        network_id: networkId,
        request: JSON.stringify(jobRequest(kind, device, body)),
        // Stored, so that a job whose device never answers fails on time even across a restart.
        deadline: new Date(now.getTime() + config.liveToolsTimeoutSeconds * 1000),
      };
      const callbackRow = target
        ? newCallbackRow(callbacks, {
            organizationId: organizationOf(req),
            networkId,
            contract: jobContract[kind],
            target,
            signing: 'standard-webhooks',
            secret: target.sharedSecret,
            createdBy: callerOf(req).adminId,
          })
        : undefined;
      const job = await insertLiveToolJob(db, values, callbackRow, liveTools.owner);
      const callback = target && job.callback_id ? { id: job.callback_id, url: target.url, status: 'new' as const } : undefined;
      res.status(201).json(toLiveToolJob(job, callback));
      // The fast path: the server that created the job claims it at once, with no round trip through NOTIFY.
      liveTools.claimNew(job.id);
    });

    router.get(`/api/v1/devices/:serial/liveTools/${kind}/:${jobIdParam[kind]}`, async (req, res) => {
      const params = req.params as Record<string, string>;
      const serial = params.serial!;
      const id = params[jobIdParam[kind]]!;
      const job = isRowId(id)
        ? await findLiveToolJob(db, serial, kind, id)
        : undefined;
      if (!job) throw new NotFoundError('Job not found');
      res.json(toLiveToolJob(job, await callbackInfo(db, job)));
    });
  }

  return router;
}
