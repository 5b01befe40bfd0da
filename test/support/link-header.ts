/** Parses an RFC 5988 Link header into rel → URL (as sent: relative to /api/v1). */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const match = /^<([^>]*)>;\s*rel="?([a-z]+)"?$/.exec(part.trim());
    if (match) links[match[2]!] = match[1]!;
  }
  return links;
}

/** The query parameters of a link, as an object for the SDK's `query`. */
export function linkQuery(link: string): Record<string, string> {
  return Object.fromEntries(new URL(link, 'http://x').searchParams);
}
