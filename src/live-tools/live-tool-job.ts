/** The API resource of a live tool job: what the POST and GET answer and what the callback carries as `message`. */
import type { ArpTableJob, CableTestJob, CallbackInfo, PingDeviceJob, PingJob, WakeOnLanJob } from '../../generated/client/types.gen.js';
import type { LiveToolJobRow } from '../db/database.js';
import type { LiveToolKind, LiveToolResult } from '../devices/device-driver.js';

/** Any live tool job resource. */
export type LiveToolJob = PingJob | PingDeviceJob | WakeOnLanJob | ArpTableJob | CableTestJob;

/** The property holding a job's id, per tool (Meraki names pingDevice's id `pingId` too). */
export const jobIdField: Record<LiveToolKind, string> = {
  ping: 'pingId',
  pingDevice: 'pingId',
  wakeOnLan: 'wakeOnLanId',
  arpTable: 'arpTableId',
  cableTest: 'cableTestId',
};

/** The spec contract (`operationId.callbackName`) each tool's callback payload must meet. */
export const jobContract: Record<LiveToolKind, string> = {
  ping: 'createDeviceLiveToolsPing.pingHost',
  pingDevice: 'createDeviceLiveToolsPingDevice.pingDevice',
  wakeOnLan: 'createDeviceLiveToolsWakeOnLan.wakeOnLan',
  arpTable: 'createDeviceLiveToolsArpTable.arpTable',
  cableTest: 'createDeviceLiveToolsCableTest.cableTest',
};

/** What a completed job stores in `result`: the `results`/`entries` the job shows (nothing for Wake-on-LAN, whose job reports no result). */
export function storedResult(result: LiveToolResult): Record<string, unknown> {
  switch (result.kind) {
    case 'ping':
    case 'pingDevice':
    case 'cableTest':
      return { results: result.results };
    case 'arpTable':
      return { entries: result.entries };
    case 'wakeOnLan':
      return {};
  }
}

/** The job resource for a row; `callback` is added by the POST and GET, never in a callback's `message`. */
export function toLiveToolJob(row: LiveToolJobRow, callback?: CallbackInfo): LiveToolJob {
  const kind = row.kind as LiveToolKind;
  const job: Record<string, unknown> = {
    [jobIdField[kind]]: row.id,
    url: `/devices/${row.serial}/liveTools/${kind}/${row.id}`,
    request: row.request,
    status: row.status,
  };
  if (row.status === 'complete' && row.result) Object.assign(job, row.result);
  if (row.status === 'failed') job.error = row.error ?? 'The job failed.';
  if (callback) job.callback = callback;
  return job as unknown as LiveToolJob;
}
