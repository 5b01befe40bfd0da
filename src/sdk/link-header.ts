/** Reads the `Link` header (RFC 8288) that Boomerang's and Meraki's paginated lists send. */

/** rel → URL of each link, as sent (Boomerang's are relative to `/api/v1`, as Meraki's SDKs expect). */
export function parseLinkHeader(header: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2]!)?.[1];
    for (const name of rel?.trim().toLowerCase().split(/\s+/) ?? []) links[name] ??= match[1]!;
  }
  return links;
}

/**
 * The absolute URL of a link from an answer to `requestUrl`. An absolute link (Meraki's) is used as is; a
 * root-relative one that is not under `/api/v1` or `/dongle` is relative to `/api/v1` (Boomerang's, for Meraki's
 * SDKs, which prefix their base URL to it); anything else resolves as RFC 3986 says.
 */
export function resolveLink(link: string, requestUrl: string): URL {
  if (/^\/(?!\/)/.test(link) && !/^\/(api\/v1|dongle)(\/|$|\?)/.test(link)) {
    // Keep whatever prefix the API sits under (a reverse proxy's path), as the SDK's base URL had it.
    const request = new URL(requestUrl);
    const at = request.pathname.indexOf('/api/v1/');
    return new URL(`${at > 0 ? request.pathname.slice(0, at) : ''}/api/v1${link}`, request.origin);
  }
  return new URL(link, requestUrl);
}
