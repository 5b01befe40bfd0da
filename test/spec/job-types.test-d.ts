/**
 * Type-level checks of the generated job types, run by `npm run typecheck` (never executed): a job narrows on its
 * `status` (a dongle command on its `state`), so a finished job's fields need no `!` and an unfinished one has none.
 */
import type { ArpTableJob, CableTestJob, DongleJob, PingDeviceJob, PingJob, WakeOnLanJob } from '../../generated/client/types.gen.js';

export function pingJob(job: PingJob): number | string | null | undefined {
  if (job.status === 'complete') return job.results.latencies.average;
  if (job.status === 'failed') return job.error.length;
  if (job.status === 'new') {
    // @ts-expect-error a new job has no results yet
    return job.results.sent;
  }
  // @ts-expect-error a job that is not known to have failed has no error
  return job.error;
}

export function pingDeviceJob(job: PingDeviceJob): number | undefined {
  return job.status === 'complete' ? job.results.loss.percentage : undefined;
}

export function wakeOnLanJob(job: WakeOnLanJob): string {
  return job.status === 'failed' ? job.error : job.status;
}

export function arpTableJob(job: ArpTableJob): string[] {
  if (job.status === 'running') {
    // @ts-expect-error a running job has no entries yet
    return job.entries.map((e) => e.ip);
  }
  return job.status === 'complete' ? job.entries.map((e) => e.mac) : [];
}

export function cableTestJob(job: CableTestJob): number {
  return job.status === 'complete' ? job.results.flatMap((port) => port.pairs).length : 0;
}

export function dongleJob(job: DongleJob): string | number | null {
  if (job.state === 'COMMAND_EXECUTED') return job.response.data.jid;
  if (job.state === 'TIMEOUT') {
    const never: false = job.success;
    return String(never);
  }
  // @ts-expect-error a pending command has no return event yet
  return job.response.tag;
}
