/** The server's own origin as the client reached it, for absolute `url` fields in resources and the served spec. */
import { isIPv6 } from 'node:net';
import type { Request } from 'express';

/** A DNS name or dotted IPv4 address: letter-digit-hyphen labels of 1 to 63 characters. */
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** A `Host` header value: a name or a bracketed IPv6 literal, then an optional port. */
const HOST_HEADER = /^(?:([^[\]:]+)|\[([0-9a-f:.]+)\])(?::([0-9]{1,5}))?$/i;

/**
 * The origin the request was sent to (e.g. `http://127.0.0.1:8080`), from its protocol and `Host` header; undefined
 * when the header is missing or is not a host with an optional port, since a header is the client's text and anything
 * else (a path, spaces, markup, a port over 65535) must never be echoed back as an address.
 */
export function requestOrigin(req: Request): string | undefined {
  const match = HOST_HEADER.exec(req.get('host') ?? '');
  if (!match) return undefined;
  const [, name, ipv6, port] = match;
  if (name !== undefined && (name.length > 253 || !HOST_NAME.test(name))) return undefined;
  if (ipv6 !== undefined && !isIPv6(ipv6)) return undefined;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  // The URL parser writes the origin in its one canonical form (lower case, no default port, plain IPv4).
  return new URL(`${req.protocol}://${req.get('host')}`).origin;
}

/** Returns e.g. `http://127.0.0.1:8080`; `http://localhost` when the `Host` header names no host. */
export function baseUrl(req: Request): string {
  return requestOrigin(req) ?? `${req.protocol}://localhost`;
}
