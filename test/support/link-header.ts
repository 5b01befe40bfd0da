/** Link header helpers for tests: the SDK's parser (one home for reading `Link`), and a link's query as SDK options. */
export { parseLinkHeader } from '../../src/sdk/link-header.js';

/** The query parameters of a link, as an object for the SDK's `query`. */
export function linkQuery(link: string): Record<string, string> {
  return Object.fromEntries(new URL(link, 'http://x').searchParams);
}
