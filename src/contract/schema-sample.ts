/** A value made from a schema alone (openapi-sampler), with strings that match their schema's `pattern`. */
import { sample } from 'openapi-sampler';
import { patternSample } from './pattern-sample.js';

/** Keywords that already give the sampler a value to take: a pattern's sample must not override them. */
const VALUE_KEYWORDS = ['example', 'examples', 'const', 'enum', 'default'] as const;

/**
 * A copy of `schema` in which each schema with a `pattern` and no value of its own gets a matching `example`, which
 * openapi-sampler takes as the value there (its own pattern support stops at negated classes and groups). Shared and
 * circular sub-schemas stay shared and circular.
 */
function withPatternExamples(schema: unknown, copies = new Map<object, unknown>()): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  const known = copies.get(schema);
  if (known !== undefined) return known;
  if (Array.isArray(schema)) {
    const out: unknown[] = [];
    copies.set(schema, out);
    for (const item of schema) out.push(withPatternExamples(item, copies));
    return out;
  }
  const out: Record<string, unknown> = {};
  copies.set(schema, out);
  // Values (an example that happens to hold a `pattern` field) are kept as they are; only schemas are walked.
  for (const [key, value] of Object.entries(schema)) out[key] = (VALUE_KEYWORDS as readonly string[]).includes(key) ? value : withPatternExamples(value, copies);
  const { pattern } = schema as { pattern?: unknown };
  if (typeof pattern === 'string' && VALUE_KEYWORDS.every((k) => !(k in schema))) {
    const text = patternSample(pattern);
    if (text !== undefined) out.example = text;
  }
  return out;
}

/** How schemaSample samples. */
export interface SchemaSampleOptions {
  /** The document the schema is from, for any `$ref` left in it. */
  document?: object | undefined;
  /** Leave out the properties that are not required (default false: every property is given a value). */
  requiredOnly?: boolean | undefined;
}

/**
 * A sample of `schema` (dereferenced), read-only properties left out, as a request body is. It is not always valid
 * (formats, bounds and combinations the sampler does not follow): check it.
 */
export function schemaSample(schema: object, { document, requiredOnly = false }: SchemaSampleOptions = {}): unknown {
  const options = { skipReadOnly: true, skipNonRequired: requiredOnly, enablePatterns: true, quiet: true };
  return sample(withPatternExamples(schema) as never, options, document);
}
