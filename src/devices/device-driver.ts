/** The device-driver contract: what the rest of Boomerang asks of a device, whether simulated or reached through an agent. */
import type { ArpTableJob, CableTestJob, PingResults } from '../../generated/client/types.gen.js';
import type { DeviceBehaviour } from '../db/database.js';
import type { SaltReturn } from '../dongle/salt-functions.js';

/** The Meraki live tools a driver can run. */
export type LiveToolKind = 'ping' | 'pingDevice' | 'wakeOnLan' | 'arpTable' | 'cableTest';

/** Every live tool kind, in the order the API lists them. */
export const liveToolKinds: readonly LiveToolKind[] = ['ping', 'pingDevice', 'wakeOnLan', 'arpTable', 'cableTest'];

/** What a driver knows about a device (a `devices` row in camelCase; see `deviceFacts`). */
export interface DeviceFacts {
  serial: string;
  model: string;
  /** Meraki product type (`switch`, `appliance`, `wireless`, …) or `dongle`. */
  productType: string;
  /** MAC address, as `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  lanIp: string | null;
  networkId: string | null;
  name: string;
  /** Firmware version, as the device reports it. */
  firmware: string;
  behaviour: DeviceBehaviour;
  /** AutoPi unit id (dongles only). */
  unitId?: string | null;
  /** AutoPi device id (dongles only). */
  dongleId?: string | null;
}

/** Echo requests a ping sends when the request does not say (Meraki's default). */
export const DEFAULT_PING_COUNT = 5;

/** Parameters of a live tool, already validated by the API against the request schemas. */
export interface LiveToolParams {
  /** Host to ping (`ping`: required; `pingDevice`: ignored, the device's own address is pinged). */
  target?: string;
  /** Echo requests to send, 1–5 (default DEFAULT_PING_COUNT). */
  count?: number;
  /** VLAN of the Wake-on-LAN target, 1–4094 (`wakeOnLan`). */
  vlanId?: number;
  /** MAC address of the Wake-on-LAN target (`wakeOnLan`). */
  mac?: string;
  /** Ports to cable-test (`cableTest`). */
  ports?: string[];
}

/** Entries of an ARP table, exactly as `ArpTableJob.entries`. */
export type ArpTableEntries = Extract<ArpTableJob, { status: 'complete' }>['entries'];

/** Per-port cable test results, exactly as `CableTestJob.results`. */
export type CableTestResults = Extract<CableTestJob, { status: 'complete' }>['results'];

/** What a live tool produced: the job's `results`/`entries`, or the Wake-on-LAN packet that was sent (the job itself reports no result). */
export type LiveToolResult =
  | { kind: 'ping'; results: PingResults }
  | { kind: 'pingDevice'; results: PingResults }
  | { kind: 'wakeOnLan'; packet: Buffer }
  | { kind: 'arpTable'; entries: ArpTableEntries }
  | { kind: 'cableTest'; results: CableTestResults };

/** What a run needs besides the device: cancellation, the device's network, a clock and randomness (pinned in tests). */
export interface RunContext {
  /** Aborting it (the job's timeout) makes a run that has not answered reject with DeviceUnreachableError. */
  signal: AbortSignal;
  /** The other devices of the device's network (the device itself may be included; drivers skip it). */
  neighbours: DeviceFacts[];
  now: () => Date;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
}

/** Runs operations on devices. */
export interface DeviceDriver {
  /** Why `device` cannot run `kind` (null when it can): arpTable and cableTest only on switches, wakeOnLan on switches and appliances, ping/pingDevice on all Meraki devices but not dongles. */
  unsupportedReason(device: DeviceFacts, kind: LiveToolKind): string | null;
  /** Runs a live tool; resolves with the result when the device answers; a device that never answers keeps the promise pending until `signal` aborts, then rejects with DeviceUnreachableError. */
  runLiveTool(device: DeviceFacts, kind: LiveToolKind, params: LiveToolParams, ctx: RunContext): Promise<LiveToolResult>;
  /** When a dongle answers a command sent at `sentAt`, or null when it never will (offline): the command's answer time. */
  dongleAnswerTime(device: DeviceFacts, sentAt: Date): Date | null;
  /** Runs a Salt function on a dongle as it answers at `at`, and returns what its minion reports. */
  runSaltFunction(device: DeviceFacts, fun: string, args: unknown[], kwargs: Record<string, unknown>, at: Date): SaltReturn;
}

/** The device did not answer before the run's signal aborted: the job fails with this message (Meraki's own wording). */
export class DeviceUnreachableError extends Error {
  override name = 'DeviceUnreachableError';
  constructor(
    readonly serial: string,
    options?: { cause?: unknown },
  ) {
    super('The device is unreachable.', options);
  }
}

/** The device cannot run this live tool (a caller bug: ask `unsupportedReason` first and answer the client with it). */
export class UnsupportedLiveToolError extends Error {
  override name = 'UnsupportedLiveToolError';
}

/** The parameters do not fit the live tool (a caller bug: the API validates them against the spec first). */
export class LiveToolParamsError extends Error {
  override name = 'LiveToolParamsError';
}
