/** A simulated ARP table: what a device has learnt about the other devices of its network. */
import { isIPv4 } from 'node:net';
import type { ArpTableEntries, DeviceFacts } from './device-driver.js';
import { stableHash } from './stable-hash.js';

/** VLAN of every simulated entry: the demo networks are one flat LAN on Meraki's default VLAN. */
export const simulatedArpVlanId = 1;

/** Oldest simulated entry age, in seconds (each entry was refreshed 1–30 s before the table was read). */
const maxAgeSeconds = 30;

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** The conventional gateway of the device's /24 (`a.b.c.1`), or null when the device has no IPv4 address. */
export function defaultGateway(lanIp: string | null): string | null {
  if (lanIp === null || !isIPv4(lanIp)) return null;
  return `${lanIp.split('.').slice(0, 3).join('.')}.1`;
}

/** A stable, locally administered MAC for a gateway that is not one of the network's devices (an upstream router). */
function gatewayMac(device: DeviceFacts, gateway: string): string {
  const a = stableHash(`${device.networkId ?? ''}/${gateway}`);
  const b = stableHash(`${gateway}/${device.networkId ?? ''}`);
  const bytes = [0x02, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, b & 0xff];
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * The ARP table of `device`: one entry per other device of its network that has an IPv4 address and is online
 * (an offline device's entry has aged out), plus the device's gateway when no device of the network holds that address;
 * sorted by address, each refreshed a few seconds before `now`.
 */
export function simulateArpTable(device: DeviceFacts, neighbours: DeviceFacts[], now: Date, random: () => number): ArpTableEntries {
  const others = neighbours.filter((n) => n.serial !== device.serial && n.lanIp !== null && isIPv4(n.lanIp));
  // IPv6 neighbours are found by NDP, not ARP, so they never appear here.
  const hosts = others.filter((n) => !n.behaviour.offline).map((n) => ({ ip: n.lanIp!, mac: n.mac.toLowerCase() }));
  const gateway = defaultGateway(device.lanIp);
  if (gateway !== null && gateway !== device.lanIp && !others.some((n) => n.lanIp === gateway)) {
    hosts.push({ ip: gateway, mac: gatewayMac(device, gateway) });
  }
  hosts.sort((x, y) => ipv4ToNumber(x.ip) - ipv4ToNumber(y.ip));
  return hosts.map(({ ip, mac }) => ({
    ip,
    mac,
    vlanId: simulatedArpVlanId,
    lastUpdatedAt: new Date(now.getTime() - (1 + Math.floor(random() * maxAgeSeconds)) * 1000).toISOString(),
  }));
}
