/**
 * OpenAPI runtime expressions (`$request.body#/callback/url`, `$response.body#/pingId`, `$request.path.serial`, …):
 * read from a finished exchange (links, a callback's secret), or written into a request being built (where a
 * callback's URL goes).
 */

/** A request and, once answered, its response: what runtime expressions read. */
export interface Exchange {
  method: string;
  url: string;
  path: Record<string, string>;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: unknown;
  response?: { status: number; headers: Record<string, string>; body: unknown };
}

/** A parsed expression: where it points. */
export type RuntimeExpression =
  | { source: 'url' | 'method' | 'statusCode' }
  | { source: 'request' | 'response'; part: 'path' | 'query' | 'header'; name: string }
  | { source: 'request' | 'response'; part: 'body'; pointer: string[] };

/** The reference tokens of a JSON Pointer (RFC 6901): `/a~1b/0` is `['a/b', '0']`. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON Pointer`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `tokens` in `value`, or undefined. */
export function getAt(value: unknown, tokens: readonly string[]): unknown {
  let at = value;
  for (const token of tokens) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[token];
  }
  return at;
}

/** Sets `tokens` in `root` (an object) to `value`, making the objects on the way; returns `root`. */
export function setAt(root: Record<string, unknown>, tokens: readonly string[], value: unknown): Record<string, unknown> {
  let at: Record<string, unknown> = root;
  tokens.forEach((token, i) => {
    if (i === tokens.length - 1) {
      at[token] = value;
      return;
    }
    const next = at[token];
    if (next === null || typeof next !== 'object') at[token] = {};
    at = at[token] as Record<string, unknown>;
  });
  return root;
}

/** Parses one expression (without braces); throws with the reason when it is not one. */
export function parseRuntimeExpression(text: string): RuntimeExpression {
  if (text === '$url' || text === '$method' || text === '$statusCode') return { source: text.slice(1) as 'url' | 'method' | 'statusCode' };
  const match = /^\$(request|response)\.(?:(path|query|header)\.(.+)|body(?:#(.*))?)$/.exec(text);
  if (match === null) throw new Error(`"${text}" is not an OpenAPI runtime expression`);
  const source = match[1] as 'request' | 'response';
  if (match[2] !== undefined) return { source, part: match[2] as 'path' | 'query' | 'header', name: match[3]! };
  return { source, part: 'body', pointer: pointerTokens(match[4] ?? '') };
}

/** A template such as `{$request.body#/callback/url}` or `https://x/{$request.query.id}`: its text around one expression. */
export interface ExpressionTemplate {
  before: string;
  expression: RuntimeExpression;
  after: string;
}

/** Splits a template with exactly one `{…}` expression; throws when it has none or several. */
export function parseTemplate(template: string): ExpressionTemplate {
  const parts = [...template.matchAll(/\{([^{}]+)\}/g)];
  if (parts.length !== 1) throw new Error(`"${template}" has ${parts.length} runtime expressions; the runner places one`);
  const [whole, inner] = parts[0]!;
  const at = parts[0]!.index;
  return { before: template.slice(0, at), expression: parseRuntimeExpression(inner!), after: template.slice(at + whole.length) };
}

/** What `expression` reads from `exchange`; undefined when it is not there. */
export function evaluate(expression: RuntimeExpression, exchange: Exchange): unknown {
  if (!('part' in expression)) {
    if (expression.source === 'url') return exchange.url;
    if (expression.source === 'method') return exchange.method.toUpperCase();
    return exchange.response?.status;
  }
  const side = expression.source === 'request' ? exchange : exchange.response;
  if (side === undefined) return undefined;
  if (expression.part === 'body') return getAt(side.body, expression.pointer);
  if (expression.part === 'header') return side.headers[expression.name.toLowerCase()];
  if (expression.source === 'response') return undefined;
  return expression.part === 'path' ? exchange.path[expression.name] : exchange.query[expression.name];
}
