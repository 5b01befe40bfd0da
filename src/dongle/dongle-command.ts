/** A dongle command as the API and its callbacks show it, built from its `dongle_commands` row. */
import type { DongleCommandCallback, DongleJob, DongleReturnEvent } from '../../generated/client/types.gen.js';
import type { DongleCommandRow } from '../db/database.js';
import { autopiTimestamp } from './autopi-timestamp.js';
import { saltFunArgs } from './salt-command-line.js';

/** The command as the debug and read-back views show it (`arg` is what Salt published, keyword arguments included). */
export function commandOf(row: DongleCommandRow): DongleJob['command'] {
  return { returner: null, command: row.fun, arg: saltFunArgs(row.args, row.kwargs) };
}

/** The Salt return event of an answered command (the callback's `response`); null before the device answers. */
export function returnEventOf(row: DongleCommandRow): DongleReturnEvent | null {
  if (!row.result) return null;
  return {
    tag: `salt/job/${row.jid}/ret/${row.unit_id}`,
    data: {
      fun_args: saltFunArgs(row.args, row.kwargs),
      jid: row.jid,
      return: row.result.return,
      retcode: row.result.retcode,
      success: row.result.success,
      cmd: '_return',
      _stamp: row.result.stamp,
      fun: row.fun,
      id: row.unit_id,
    },
  };
}

/** The COMMAND_EXECUTED callback body, in the seed's key order; only for an answered command. */
export function executedPayload(row: DongleCommandRow): DongleCommandCallback {
  const response = returnEventOf(row);
  if (!response) throw new Error(`command ${row.jid} has not been answered`);
  return { response, jid: row.jid, state: 'COMMAND_EXECUTED', success: response.data.success, device_id: row.device_id };
}

/** The TIMEOUT callback body: no response, never a success. */
export function timeoutPayload(row: DongleCommandRow): DongleCommandCallback {
  return { response: null, jid: row.jid, state: 'TIMEOUT', success: false, device_id: row.device_id };
}

/** The read-back view of a command: pending, timed out, or executed with the device's return event. */
export function toDongleJob(row: DongleCommandRow): DongleJob {
  // Built in AutoPi's key order: the fields before the state-dependent ones, then the rest.
  const head = { jid: row.jid, device_id: row.device_id, minions: [row.unit_id], command: commandOf(row) };
  const tail = { timestamp: autopiTimestamp(row.created_at), timeout: row.timeout_seconds, callback_url: row.callback_url };
  const response = returnEventOf(row);
  if (response) return { ...head, state: 'COMMAND_EXECUTED', success: response.data.success, response, ...tail };
  if (row.timed_out_at) return { ...head, state: 'TIMEOUT', success: false, response: null, ...tail };
  return { ...head, state: 'PENDING', success: null, response: null, ...tail };
}
