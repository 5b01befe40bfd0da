/** Follows `Link: <…>; rel=next` pages of a list operation as an async iterator of its items. */
import type { Options } from '../../generated/client/sdk.gen.js';
import { parseLinkHeader, resolveLink } from './link-header.js';

/** A generated list operation: it takes options and answers `data` (an array) and the raw `response`. */
type ListOperation<O, Item> = (options: O) => Promise<{ data?: Item[] | undefined; error?: unknown; response?: Response }>;

/** A URL's query as the client's `query` option; a repeated name (`serials[]=a&serials[]=b`) becomes an array. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  return query;
}

/** The most pages paginate() reads before it stops, so that a server that links in a circle cannot loop it forever. */
export const DEFAULT_MAX_PAGES = 10_000;

/**
 * Every item of a paginated list, page after page: `for await (const d of paginate(getOrganizationDevices, {client,
 * path: {organizationId}, query: {perPage: 100}}))`. Each page is fetched with the same options but the next link's
 * query (`startingAfter`, …), from the link's origin and path; a failed page throws BoomerangError.
 */
export async function* paginate<O extends Options, Item>(
  operation: ListOperation<O, Item>,
  options: O,
  { maxPages = DEFAULT_MAX_PAGES }: { maxPages?: number } = {},
): AsyncGenerator<Item, void, undefined> {
  let next: O = { ...options, throwOnError: true };
  const seen = new Set<string>();
  for (let page = 0; page < maxPages; page++) {
    const { data, response } = await operation(next);
    for (const item of data ?? []) yield item;
    const link = parseLinkHeader(response?.headers.get('link')).next;
    if (link === undefined || response === undefined) return;
    const url = resolveLink(link, response.url);
    if (seen.has(url.href)) return;
    seen.add(url.href);
    // The link is the whole address of the next page: its origin and path as given, its query instead of ours.
    next = { ...options, throwOnError: true, baseUrl: url.origin, url: url.pathname, path: {}, query: queryOf(url) } as O;
  }
}
