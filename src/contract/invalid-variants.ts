import { wrongType } from './broken-body.js';

/**
 * Invalid variants of a valid request body, each breaking one rule its schema states: a required property missing,
 * a property of the wrong type, a value out of its range. An implementation must refuse each with a declared 4xx.
 */

type Schema = Record<string, unknown>;

/** One invalid body and what makes it so, e.g. `required target missing`. */
export interface InvalidVariant {
  name: string;
  body: unknown;
}

/** The properties and required names of an object schema, its `allOf` parts merged (a `oneOf`: its first branch). */
function objectShape(schema: Schema | undefined): { properties: Record<string, Schema>; required: string[] } {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const visit = (s: Schema | undefined, depth: number) => {
    if (s === undefined || depth > 8) return;
    Object.assign(properties, (s.properties ?? {}) as Record<string, Schema>);
    if (Array.isArray(s.required)) required.push(...(s.required as string[]));
    for (const part of (s.allOf ?? []) as Schema[]) visit(part, depth + 1);
    const [first] = ((s.oneOf ?? s.anyOf ?? []) as Schema[]);
    visit(first, depth + 1);
  };
  visit(schema, 0);
  return { properties, required: [...new Set(required)] };
}

/** The primitive type a schema states (first non-null one), if any. */
function typeOf(schema: Schema): string | undefined {
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : schema.type;
  return typeof type === 'string' ? type : schema.enum ? typeof (schema.enum as unknown[])[0] : undefined;
}

/** A value past the schema's bounds, with the bound it breaks; undefined when it has none. */
function outOfRange(schema: Schema): { value: unknown; rule: string } | undefined {
  if (typeof schema.maximum === 'number') return { value: schema.maximum + 1, rule: `above its maximum ${schema.maximum}` };
  if (typeof schema.exclusiveMaximum === 'number') return { value: schema.exclusiveMaximum, rule: `at its exclusive maximum ${schema.exclusiveMaximum}` };
  if (typeof schema.minimum === 'number') return { value: schema.minimum - 1, rule: `below its minimum ${schema.minimum}` };
  if (typeof schema.exclusiveMinimum === 'number') return { value: schema.exclusiveMinimum, rule: `at its exclusive minimum ${schema.exclusiveMinimum}` };
  if (typeof schema.maxLength === 'number' && schema.maxLength < 100_000) return { value: 'x'.repeat(schema.maxLength + 1), rule: `longer than its maxLength ${schema.maxLength}` };
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return { value: 'not-one-of-its-values', rule: 'not one of its enum values' };
  if (typeof schema.maxItems === 'number' && schema.maxItems < 10_000 && typeof (schema.items as Schema | undefined)?.type === 'string') {
    return { value: Array.from({ length: schema.maxItems + 1 }, (_, i) => `item${i}`), rule: `more items than its maxItems ${schema.maxItems}` };
  }
  return undefined;
}

/**
 * The variants of `body` (an object) under `schema`: at most one of each kind, on the first top-level property that
 * allows it, skipping `avoid` (the properties that carry the callback, which the runner fills in itself); with
 * `problems` (the schema check), only the variants it finds fault with.
 */
export function invalidVariants(
  schema: Schema | undefined,
  body: unknown,
  avoid: ReadonlySet<string> = new Set(),
  problems?: (value: unknown) => string[],
): InvalidVariant[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const { properties, required } = objectShape(schema);
  const variants: InvalidVariant[] = [];
  const present = (name: string) => Object.hasOwn(body, name);
  const missing = required.find((name) => present(name) && !avoid.has(name));
  if (missing !== undefined) {
    const copy = { ...(body as Record<string, unknown>) };
    delete copy[missing];
    variants.push({ name: `required ${missing} missing`, body: copy });
  }
  const typed = Object.entries(properties).find(([name, s]) => !avoid.has(name) && present(name) && typeOf(s) !== undefined);
  if (typed !== undefined) {
    const [name, s] = typed;
    const [value, typeName] = wrongType((body as Record<string, unknown>)[name]);
    variants.push({ name: `${name} of the wrong type (${typeName}, not ${typeOf(s)})`, body: { ...(body as Record<string, unknown>), [name]: value } });
  }
  for (const [name, s] of Object.entries(properties)) {
    if (avoid.has(name)) continue;
    const out = outOfRange(s);
    if (out === undefined) continue;
    variants.push({ name: `${name} ${out.rule}`, body: { ...(body as Record<string, unknown>), [name]: out.value } });
    break;
  }
  // Only what the schema really refuses (a property may allow several types): anything else is no invalid variant.
  return problems ? variants.filter((v) => problems(v.body).length > 0) : variants;
}
