/** Keyset pagination with Meraki's `perPage`/`startingAfter`/`endingBefore` and an RFC 5988 `Link` header. */
import type { Response } from 'express';
import { sql, type SelectQueryBuilder } from 'kysely';
import { MAX_ROW_ID, isRowId } from '../db/row-id.js';
import { InputError } from '../errors.js';

/** The query parameters a paginated operation accepts. */
export interface PageQuery {
  perPage?: number;
  startingAfter?: string;
  endingBefore?: string;
}

/** How one operation pages: its sort key, its page size default, and how to check a token. */
export interface PageSpec {
  /** Column the pages are cut on (unique, indexed). */
  key: string;
  /** Page size when the client gives none. */
  defaultPerPage: number;
  /** Whether `key` is a bigint id (tokens must then be digits). */
  numericKey: boolean;
}

/** One page of rows and the keys that bound it. */
export interface Page<Row> {
  rows: Row[];
  hasBefore: boolean;
  hasAfter: boolean;
}

function checkToken(name: string, token: string | undefined, spec: PageSpec): void {
  if (token !== undefined && spec.numericKey && !isRowId(token)) {
    throw new InputError(`${name} must be a token from a Link header (an id), got "${token}"`);
  }
}

/**
 * Fetches one page of `base` (which must not be ordered or limited yet).
 * One query reads the page plus one row, to know whether more lie beyond it; a second, cheap one checks the other side.
 */
export async function fetchPage<DB, TB extends keyof DB, O extends Record<string, unknown>>(
  base: SelectQueryBuilder<DB, TB, O>,
  query: PageQuery,
  spec: PageSpec,
): Promise<Page<O>> {
  checkToken('startingAfter', query.startingAfter, spec);
  checkToken('endingBefore', query.endingBefore, spec);
  const perPage = query.perPage ?? spec.defaultPerPage;
  const key = sql.ref(spec.key);
  // endingBefore without startingAfter walks backwards from it; otherwise pages go forwards.
  const backwards = query.endingBefore !== undefined && query.startingAfter === undefined;
  let q = base;
  if (query.startingAfter !== undefined) q = q.where(key as never, '>', query.startingAfter as never);
  if (query.endingBefore !== undefined) q = q.where(key as never, '<', query.endingBefore as never);
  const fetched = await q
    .orderBy(key as never, backwards ? 'desc' : 'asc')
    .limit(perPage + 1)
    .execute();
  const more = fetched.length > perPage;
  const rows = fetched.slice(0, perPage);
  if (backwards) rows.reverse();
  const first = rows[0]?.[keyName(spec)];
  const last = rows.at(-1)?.[keyName(spec)];
  const exists = async (op: '<' | '>', value: unknown) =>
    value !== undefined && (await base.where(key as never, op, value as never).select(sql<number>`1`.as('one')).limit(1).execute()).length > 0;
  return backwards
    ? { rows, hasBefore: more, hasAfter: await exists('>', last) }
    : { rows, hasAfter: more, hasBefore: await exists('<', first) };
}

/** The output column that carries the key (the part after the table name). */
function keyName(spec: PageSpec): string {
  return spec.key.split('.').at(-1)!;
}

/**
 * Sets the `Link` header for a page. Links are relative to `/api/v1`, which is how Meraki's SDKs join them to their base URL.
 * @param path the operation's path without `/api/v1`
 */
export function setLinkHeader<Row extends Record<string, unknown>>(
  res: Response,
  path: string,
  query: PageQuery & Record<string, unknown>,
  page: Page<Row>,
  spec: PageSpec,
): void {
  const perPage = query.perPage ?? spec.defaultPerPage;
  const keep = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || name === 'perPage' || name === 'startingAfter' || name === 'endingBefore') continue;
    for (const v of Array.isArray(value) ? value : [value]) keep.append(name, String(v));
  }
  const link = (rel: string, extra: Record<string, string>) => {
    const params = new URLSearchParams(keep);
    params.set('perPage', String(perPage));
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `<${path}?${params.toString()}>; rel=${rel}`;
  };
  const k = keyName(spec);
  const links = [link('first', {})];
  const first = page.rows[0]?.[k];
  const last = page.rows.at(-1)?.[k];
  if (page.hasBefore && first !== undefined) links.push(link('prev', { endingBefore: String(first) }));
  if (page.hasAfter && last !== undefined) links.push(link('next', { startingAfter: String(last) }));
  // As Meraki does, `last` ends before a token above every key: the largest int8, or a run of "z" above any serial.
  links.push(link('last', { endingBefore: spec.numericKey ? MAX_ROW_ID : 'zzzzzzzzzzzzzz' }));
  res.setHeader('Link', links.join(', '));
}
