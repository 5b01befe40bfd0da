/**
 * SSRF guard: callbacks reach only globally routable unicast addresses (judging an IPv4 address embedded in an IPv6 one
 * by the IPv4 address), unless configuration allows more. Checked when a callback URL is given and on every connect.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What the configuration allows beyond public addresses. */
export interface DestinationPolicy {
  /** Allow every address (CALLBACK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Host names or IP literals allowed whatever they resolve to (CALLBACK_ALLOW_HOSTS), lower case. */
  allowHosts: ReadonlySet<string>;
  /**
   * This server's own callback inboxes, reachable on loopback whatever else is refused: `port` is where the server
   * listens, set once it does (a random port in tests). Nothing else on that address is reachable through it.
   */
  ownInbox?: { port: number | undefined };
}

/** The path of an inbox's receiving URL: `/inbox/` and its 32-character token (src/inbox/inbox-token.ts). */
export const INBOX_PATH = /^\/inbox\/[A-Za-z0-9_-]{32}$/;

/** Whether `host` names this machine's loopback interface: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (!ipaddr.isValid(bare)) return false;
  const address = ipaddr.process(bare);
  return address.range() === 'loopback';
}

/** Whether `host:port` is this server's own listening address on loopback. */
export function isOwnOrigin(host: string, port: number, policy: DestinationPolicy): boolean {
  const own = policy.ownInbox?.port;
  return own !== undefined && port === own && isLoopbackHost(host);
}

/** The port a URL reaches (its default when it names none). */
export function urlPort(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Whether `url` is one of this server's own inboxes, reached on loopback: the one loopback destination allowed by default. */
export function isOwnInbox(url: URL, policy: DestinationPolicy): boolean {
  return isOwnOrigin(url.hostname, urlPort(url), policy) && INBOX_PATH.test(url.pathname) && url.search === '';
}

/** Thrown when a callback URL or a connection is not acceptable; the message says why, for a 400 or a delivery error. */
export class DestinationError extends Error {
  override name = 'DestinationError';
  /** Node-style code, so the error reads as a connect failure wherever sockets report one. */
  readonly code = 'EBLOCKED';
}

/** How the configuration can allow a refused address, appended to every refusal a person reads. */
export const ALLOW_HINT = 'allow it with CALLBACK_ALLOW_HOSTS or CALLBACK_ALLOW_PRIVATE';

/** What each refused `range()` of ipaddr.js is, for error messages; a name missing here reads "a special-purpose address (name)". */
const RANGE_NAMES: Record<string, string> = {
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (cloud metadata services live there)',
  loopback: 'a loopback address',
  private: 'a private address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  uniqueLocal: 'a unique local address (fc00::/7, private)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10, private)',
  reserved: 'a reserved or documentation address',
  benchmarking: 'a benchmarking address',
};

/** IANA's global unicast space: every routable IPv6 address outside it is one of the embedding forms judged below. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
/** RFC 8215 local-use NAT64 prefix: where its IPv4 sits depends on the operator's prefix length, and it is never global. */
const LOCAL_USE_NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');

function rangeName(range: string): string {
  return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
}

function ipv4Refusal(address: ipaddr.IPv4): string | undefined {
  const range = address.range();
  return range === 'unicast' ? undefined : rangeName(range);
}

/** The IPv4 address in two 16-bit groups of an IPv6 address. */
function ipv4From(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
}

/** An embedding form is refused exactly when the IPv4 address it carries is. */
function embeddedRefusal(form: string, embedded: ipaddr.IPv4): string | undefined {
  const why = ipv4Refusal(embedded);
  return why === undefined ? undefined : `${form} of ${embedded.toString()}, ${why}`;
}

function ipv6Refusal(address: ipaddr.IPv6): string | undefined {
  const p = address.parts as [number, number, number, number, number, number, number, number];
  const range = address.range();
  switch (range) {
    case 'ipv4Mapped':
      return embeddedRefusal('an IPv4-mapped address', ipv4From(p[6], p[7]));
    case 'rfc6052':
      if (address.match(LOCAL_USE_NAT64)) return 'a local-use NAT64 address (64:ff9b:1::/48, not globally routable)';
      return embeddedRefusal('a NAT64 address', ipv4From(p[6], p[7]));
    case '6to4':
      return embeddedRefusal('a 6to4 address', ipv4From(p[1], p[2]));
    case 'teredo':
      // The client address it carries is obfuscated and the relay is whoever answers: nothing to judge it by.
      return 'a Teredo address (2001::/32)';
    case 'rfc6145':
      return `an IPv4-translated address of ${ipv4From(p[6], p[7]).toString()} (::ffff:0:0:0/96, only meaningful inside a translator)`;
    case 'unicast':
      // ipaddr.js names ::/96 (RFC 4291's deprecated IPv4-compatible form) plain unicast.
      if (p.slice(0, 6).every((part) => part === 0)) return `an IPv4-compatible address of ${ipv4From(p[6], p[7]).toString()} (::/96, deprecated)`;
      if (!address.match(GLOBAL_UNICAST)) return 'outside the global unicast space 2000::/3';
      return undefined;
    default:
      return rangeName(range);
  }
}

/**
 * Why `address` may not be called back (a phrase such as "a loopback address"), or undefined for a globally routable
 * unicast address. Text that is not an IP address is refused.
 */
export function addressRefusal(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Refusal(ipaddr.IPv4.parse(address));
  if (family !== 6) return 'not an IP address';
  const canonical = canonicalIPv6(address);
  return canonical === undefined ? 'an IPv6 address with a zone' : ipv6Refusal(ipaddr.IPv6.parse(canonical));
}

/**
 * An IPv6 address in its canonical text (RFC 5952), or undefined when it has a zone. Through the URL parser rather than
 * ipaddr.js, which reads a dotted tail such as ::127.0.0.1 as IPv4-mapped instead of as the ::7f00:1 it is.
 */
function canonicalIPv6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** Whether an IP address is anything but globally routable unicast (see `addressRefusal`). */
export function isBlockedAddress(address: string): boolean {
  return addressRefusal(address) !== undefined;
}

/** A host as the allow list spells it: lower case, no brackets, IP literals in their canonical form. */
function hostKey(host: string): string {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '');
  return isIP(bare) === 6 ? (canonicalIPv6(bare) ?? bare) : bare;
}

/** Whether configuration allows `host` (a name or IP literal) whatever it resolves to. */
export function isAllowedHost(host: string, policy: DestinationPolicy): boolean {
  if (policy.allowPrivate) return true;
  if (policy.allowHosts.size === 0) return false;
  const key = hostKey(host);
  for (const allowed of policy.allowHosts) if (hostKey(allowed) === key) return true;
  return false;
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
  if (isAllowedHost(host, policy) || isOwnInbox(parsed, policy)) return parsed;
  if (isIP(host)) {
    const why = addressRefusal(host);
    if (why !== undefined) throw new DestinationError(`callback host "${host}" is ${why}; ${ALLOW_HINT}`);
    return parsed;
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new DestinationError(`callback host "${host}" does not resolve`);
  }
  for (const address of addresses) {
    const why = addressRefusal(address);
    if (why !== undefined) throw new DestinationError(`callback host "${host}" resolves to ${address}, ${why}; ${ALLOW_HINT}`);
  }
  return parsed;
}

/**
 * Refuses a connection to `address` unless it is public or `host` is allowed; undefined when the connection may go ahead.
 * `host` is what the URL named (an IP literal names itself).
 */
export function connectRefusal(host: string, address: string, policy: DestinationPolicy): DestinationError | undefined {
  if (isAllowedHost(host, policy)) return undefined;
  const why = addressRefusal(address);
  if (why === undefined) return undefined;
  return new DestinationError(host === address ? `${address} is ${why}` : `${host} resolved to ${address} (${why}), a blocked address`);
}

/**
 * A `lookup` for outbound sockets that refuses blocked addresses at connect time, so a host that resolved to a public
 * address when the callback was created cannot be re-pointed at an internal one later (DNS rebinding): the socket
 * dials only addresses this lookup returned, and it returns none unless all are acceptable.
 */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      for (const { address } of addresses) {
        const refused = connectRefusal(hostname, address, policy);
        if (refused) return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
