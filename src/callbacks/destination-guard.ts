/** SSRF guard: callbacks may not reach loopback, private, link-local or metadata addresses unless configuration allows it. */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** What the configuration allows beyond public addresses. */
export interface DestinationPolicy {
  /** Allow every address (CALLBACK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Host names or IP literals allowed whatever they resolve to (CALLBACK_ALLOW_HOSTS), lower case. */
  allowHosts: ReadonlySet<string>;
}

/** Thrown when a callback URL is not acceptable; the message says why, for a 400 or a delivery error. */
export class DestinationError extends Error {
  override name = 'DestinationError';
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['100::', 64], ['2001:db8::', 32],
] as const) blocked.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local (cloud metadata lives there), reserved or multicast. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4 embedded in IPv6 (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::a.b.c.d) is judged as the IPv4 address.
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (embedded) return blocked.check(embedded[1]!, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(address, 'ipv6');
}

function hostAllowed(host: string, policy: DestinationPolicy): boolean {
  return policy.allowPrivate || policy.allowHosts.has(host.toLowerCase().replace(/^\[|\]$/g, ''));
}

/**
 * Checks a callback URL when it is given: http(s) only, and every address its host resolves to must be public (or allowed).
 * @param resolve injectable resolver (tests)
 */
export async function checkDestination(
  url: string,
  policy: DestinationPolicy,
  resolve: (host: string) => Promise<string[]> = async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address),
): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DestinationError(`callback url "${url}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new DestinationError(`callback url must be http or https, got "${parsed.protocol}"`);
  if (parsed.username || parsed.password) throw new DestinationError('callback url must not carry credentials');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (hostAllowed(host, policy)) return parsed;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new DestinationError(`callback host "${host}" does not resolve`);
  }
  const refused = addresses.find(isBlockedAddress);
  if (refused !== undefined) {
    throw new DestinationError(
      `callback host "${host}" resolves to ${refused}, a private, loopback or link-local address; allow it with CALLBACK_ALLOW_HOSTS or CALLBACK_ALLOW_PRIVATE`,
    );
  }
  return parsed;
}

/**
 * A `lookup` for outbound sockets that refuses blocked addresses at connect time, so a host that resolved to a public
 * address when the callback was created cannot be re-pointed at an internal one later (DNS rebinding).
 */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const list = addresses;
      if (!hostAllowed(hostname, policy)) {
        const refused = list.find((a) => isBlockedAddress(a.address));
        if (refused) {
          const error = Object.assign(new DestinationError(`${hostname} resolved to ${refused.address}, a blocked address`), { code: 'EBLOCKED' });
          return callback(error, '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
