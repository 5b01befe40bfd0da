/** The embedded default driver: devices whose behaviour (latency, loss, offline, late answers) is data in their row. */
import type { DeviceBehaviour } from '../db/database.js';
import {
  DEFAULT_PING_COUNT,
  type DeviceDriver,
  type DeviceFacts,
  type LiveToolKind,
  type LiveToolParams,
  type LiveToolResult,
  LiveToolParamsError,
  type RunContext,
  UnsupportedLiveToolError,
} from './device-driver.js';
import { InvalidMacAddressError, buildMagicPacket } from './magic-packet.js';
import { simulateArpTable } from './simulate-arp-table.js';
import { simulateCableTest } from './simulate-cable-test.js';
import { type PingPath, externalPathLatencyMs, simulatePing } from './simulate-ping.js';
import { dongleFactsOf } from '../dongle/dongle-facts.js';
import { runSaltFunction, type SaltReturn } from '../dongle/salt-functions.js';
import { answerTimeOf } from '../dongle/simulated-dongle.js';
import { unsupportedReason } from './unsupported-reason.js';
import { waitForAnswer } from './wait-for-answer.js';

/** Round-trip latency of a device whose behaviour sets none, in milliseconds (default 1). */
export const defaultLatencyMs = 1;

/** How long `device` takes to answer any run, in milliseconds: its latency plus `answerDelayMs`; null when it never answers. */
export function answerDelayMs(behaviour: DeviceBehaviour): number | null {
  if (behaviour.offline) return null;
  return (behaviour.latencyMs ?? defaultLatencyMs) + (behaviour.answerDelayMs ?? 0);
}

/** The device's own link, as the cloud sees it when pinging it. */
function linkOf(behaviour: DeviceBehaviour): PingPath {
  return {
    latencyMs: behaviour.latencyMs ?? defaultLatencyMs,
    jitterMs: behaviour.jitterMs ?? 0,
    lossPercent: Math.min(100, Math.max(0, behaviour.lossPercent ?? 0)),
  };
}

/**
 * The path from `device` to `target`: a device of the same network adds its own loss (all of it when offline) but no latency;
 * any other host adds 5–40 ms that depend only on the target, so that different targets differ and the same one does not.
 */
function pathTo(device: DeviceFacts, target: string, neighbours: DeviceFacts[]): PingPath {
  const link = linkOf(device.behaviour);
  const host = target.trim().toLowerCase();
  if (host === device.lanIp?.toLowerCase()) return link;
  const neighbour = neighbours.find((n) => n.serial !== device.serial && n.lanIp?.toLowerCase() === host);
  if (!neighbour) return { ...link, latencyMs: link.latencyMs + externalPathLatencyMs(target) };
  const theirs = linkOf(neighbour.behaviour);
  const lossPercent = neighbour.behaviour.offline ? 100 : 100 * (1 - (1 - link.lossPercent / 100) * (1 - theirs.lossPercent / 100));
  return { ...link, lossPercent };
}

function pingCount(params: LiveToolParams): number {
  const count = params.count ?? DEFAULT_PING_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > 5) throw new LiveToolParamsError(`count must be an integer from 1 to 5, not ${count}.`);
  return count;
}

/** Checks the parameters before the wait, so that a bad request fails at once; returns what to compute once the device answers. */
function plan(device: DeviceFacts, kind: LiveToolKind, params: LiveToolParams, ctx: RunContext): () => LiveToolResult {
  switch (kind) {
    case 'ping': {
      const { target } = params;
      if (typeof target !== 'string' || target.trim() === '') throw new LiveToolParamsError('ping needs a target.');
      const count = pingCount(params);
      return () => ({ kind, results: simulatePing(pathTo(device, target, ctx.neighbours), count, ctx.random) });
    }
    case 'pingDevice': {
      const count = pingCount(params);
      return () => ({ kind, results: simulatePing(linkOf(device.behaviour), count, ctx.random) });
    }
    case 'wakeOnLan': {
      const { vlanId, mac } = params;
      if (vlanId === undefined || !Number.isInteger(vlanId) || vlanId < 1 || vlanId > 4094) {
        throw new LiveToolParamsError(`vlanId must be an integer from 1 to 4094, not ${vlanId}.`);
      }
      let packet: Buffer;
      try {
        packet = buildMagicPacket(mac ?? '');
      } catch (err) {
        if (err instanceof InvalidMacAddressError) throw new LiveToolParamsError(err.message, { cause: err });
        throw err;
      }
      return () => ({ kind, packet });
    }
    case 'arpTable':
      return () => ({ kind, entries: simulateArpTable(device, ctx.neighbours, ctx.now(), ctx.random) });
    case 'cableTest': {
      const { ports } = params;
      if (!Array.isArray(ports) || ports.length === 0) throw new LiveToolParamsError('cableTest needs at least one port.');
      return () => ({ kind, results: simulateCableTest(device.serial, device.model, ports) });
    }
  }
}

/** Runs live tools on simulated devices: waits as the device's behaviour says, then answers with results consistent with it. */
export class SimulatorDriver implements DeviceDriver {
  /** Why `device` cannot run `kind` (Meraki's support matrix); null when it can. */
  unsupportedReason(device: DeviceFacts, kind: LiveToolKind): string | null {
    return unsupportedReason(device, kind);
  }

  /** After the dongle's `answerDelayMs` (default at once), or never when it is offline. */
  dongleAnswerTime(device: DeviceFacts, sentAt: Date): Date | null {
    return answerTimeOf(device.behaviour, sentAt);
  }

  /** The simulated minion's answer: deterministic for the same call, device and time. */
  runSaltFunction(device: DeviceFacts, fun: string, args: unknown[], kwargs: Record<string, unknown>, at: Date): SaltReturn {
    return runSaltFunction(fun, args, kwargs, dongleFactsOf(device), at);
  }

  /**
   * Runs `kind` on `device`: rejects at once with UnsupportedLiveToolError or LiveToolParamsError,
   * otherwise answers after `answerDelayMs(device.behaviour)`; an offline device rejects with DeviceUnreachableError only when `ctx.signal` aborts.
   */
  async runLiveTool(device: DeviceFacts, kind: LiveToolKind, params: LiveToolParams, ctx: RunContext): Promise<LiveToolResult> {
    const reason = unsupportedReason(device, kind);
    if (reason !== null) throw new UnsupportedLiveToolError(reason);
    const answer = plan(device, kind, params, ctx);
    await waitForAnswer(device.serial, answerDelayMs(device.behaviour), ctx.signal);
    return answer();
  }
}
