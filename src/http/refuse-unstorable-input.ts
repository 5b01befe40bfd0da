/** Refuses, at the boundary, request values that no handler could store or compare: 400 naming where they are. */
import type { RequestHandler } from 'express';
import { InputError } from '../errors.js';

/** How deeply a JSON body may nest (default 32 levels); the spec's deepest documented body uses fewer than 10. */
export const MAX_BODY_DEPTH = 32;

/** A lone surrogate: with the `u` flag a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why one string cannot be taken (PostgreSQL text cannot hold NUL; a lone surrogate has no UTF-8 form), or null. */
function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (a lone surrogate has no UTF-8 form)';
  return null;
}

/** How `key` extends a readable location: `body.ssids[0].name`. */
function child(where: string, key: string | number): string {
  return typeof key === 'number' ? `${where}[${key}]` : `${where}.${key}`;
}

/**
 * The first problem in a parsed value (a JSON body or a query object), as `where: problem`, or null.
 * The walk uses its own stack, so a hostile nesting depth cannot overflow the call stack before it is refused.
 */
function findProblem(root: unknown, rootName: string, maxDepth: number): string | null {
  const stack: { value: unknown; where: string; depth: number }[] = [{ value: root, where: rootName, depth: 0 }];
  while (stack.length > 0) {
    const { value, where, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return `${where}: ${problem}`;
    } else if (typeof value === 'number') {
      // JSON has no Infinity: a non-finite number is a literal too large for a double (1e400), which no column holds.
      if (!Number.isFinite(value)) return `${where}: number is out of range`;
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= maxDepth) return `${where}: nested deeper than ${maxDepth} levels`;
      const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
      for (const [key, item] of entries) {
        if (typeof key === 'string') {
          const problem = textProblem(key);
          if (problem) return `${where}: property name ${JSON.stringify(key)} ${problem}`;
        }
        stack.push({ value: item, where: child(where, key), depth: depth + 1 });
      }
    }
  }
  return null;
}

/** The first path segment that is malformed or unstorable once decoded, as `path: problem`, or null. */
function pathProblem(path: string): string | null {
  for (const [index, segment] of path.split('/').entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return `path: segment ${index} (${JSON.stringify(segment)}) is not valid percent-encoded UTF-8`;
    }
    const problem = textProblem(decoded);
    if (problem) return `path: segment ${index} ${problem}`;
  }
  return null;
}

/**
 * Builds the middleware; it runs after the JSON parser and before everything else, so that no handler, query or
 * stored row ever sees such a value. Query keys and values, path segments and body strings at any depth are checked.
 */
export function refuseUnstorableInput(): RequestHandler {
  return (req, _res, next) => {
    const problem =
      pathProblem(req.path) ?? findProblem(req.query, 'query', MAX_BODY_DEPTH) ?? findProblem(req.body, 'body', MAX_BODY_DEPTH);
    if (problem) throw new InputError(problem);
    next();
  };
}
