/** Which devices can run which live tool: Meraki's support matrix, shared by every driver. */
import type { DeviceFacts, LiveToolKind } from './device-driver.js';

// Meraki's reference says of createDeviceLiveToolsArpTable: "This endpoint currently supports switches."
// Cable tests need a switch's copper PHY, and Wake-on-LAN must be sent from a device that routes or switches the target's VLAN.
const supportedProductTypes: Record<LiveToolKind, readonly string[] | 'any'> = {
  ping: 'any',
  pingDevice: 'any',
  wakeOnLan: ['switch', 'appliance'],
  arpTable: ['switch'],
  cableTest: ['switch'],
};

const productNames: Record<string, string> = {
  appliance: 'appliances',
  switch: 'switches',
  wireless: 'wireless access points',
};

/** Why `device` cannot run `kind`, as a sentence for the API's 400 answer; null when it can. */
export function unsupportedReason(device: DeviceFacts, kind: LiveToolKind): string | null {
  // Dongles run Salt-like commands, not Meraki live tools; Systems Manager endpoints are clients, not Meraki network devices.
  if (device.productType === 'dongle' || device.dongleId) return `Live tools are not supported on dongles (${device.serial}); use the dongle commands instead.`;
  if (device.productType === 'systemsManager') return `Live tools are not supported on Systems Manager devices (${device.serial}).`;
  // Live tools run through the device's network; an unassigned device is not managed by the cloud yet.
  if (device.networkId === null) return `Device ${device.serial} is not in a network.`;
  const supported = supportedProductTypes[kind];
  if (supported === 'any' || supported.includes(device.productType)) return null;
  const names = supported.map((type) => productNames[type] ?? type).join(' and ');
  return `${kind} is supported on ${names} only; ${device.serial} is a ${device.model} (${device.productType}).`;
}
