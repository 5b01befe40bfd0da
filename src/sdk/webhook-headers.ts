/** Reading request headers the same way whether they come as a fetch `Headers` or as Node's lower-cased object. */

/** Headers as Node (`req.headers`), express, or the Fetch API give them. */
export type HeaderSource = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The value of header `name` (case-insensitive), repeated values joined with `, ` as HTTP does; undefined when absent. */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}
