/** The one Ajv set-up for the spec's JSON Schemas (OpenAPI 3.1 is JSON Schema 2020-12), used by every validator the server compiles itself. */
import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** OpenAPI's numeric and binary formats: no extra constraint on a JSON value (for every Ajv that reads OpenAPI schemas). */
export const OPENAPI_FORMATS = ['float', 'double', 'int32', 'int64', 'byte', 'binary', 'password'];

/**
 * An Ajv instance for the spec's schemas: all errors, not strict (the spec uses OpenAPI keywords such as `example`),
 * Ajv's `discriminator` (see withDiscriminators), the standard formats, and OpenAPI's own formats accepted. `options`
 * adds to these (e.g. `removeAdditional`).
 */
export function specAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, discriminator: true, ...options });
  addFormats.default(ajv);
  for (const format of OPENAPI_FORMATS) ajv.addFormat(format, true);
  return ajv;
}

/** Formats an Ajv error as `message.results.sent must be integer`: a path a person can find in the payload. */
export function describeAjvError(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)';
  if (error.keyword === 'discriminator') {
    // withDiscriminators' tag (a job's `status`): its value names no variant, or it is not a string.
    const { tag, tagValue } = error.params as { tag: string; tagValue?: unknown };
    const at = path === '(body)' ? tag : `${path}.${tag}`;
    return tagValue === undefined ? `${at} must be a string naming a variant` : `${at} must be one of its variants' values, got ${JSON.stringify(tagValue)}`;
  }
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  return `${path} ${error.message ?? 'is invalid'}${extra}`;
}

type Node = Record<string, unknown>;

/** The const or enum a property schema fixes, following one `$ref`; undefined when it fixes none. */
function fixedValues(property: unknown, resolve: (ref: string) => unknown): Node | undefined {
  const target = (typeof (property as Node)?.$ref === 'string' ? resolve((property as Node).$ref as string) : property) as Node | undefined;
  return target && ('const' in target || Array.isArray(target.enum)) ? target : undefined;
}

/**
 * A copy of `schema` where each `oneOf` whose branches all require one property fixed by `const` or `enum` (a job's
 * `status`, a dongle command's `state`) carries Ajv's `discriminator` on it. Ajv then checks a payload against the one
 * branch its tag names, so the errors are that branch's (`message.results.sent must be integer`), not every branch's.
 * The spec itself stays plain `oneOf`: OpenAPI's discriminator would need a named schema per branch. `resolve` follows
 * a `$ref` (a branch's, or its tag's) to the schema it names; the tag's schema is inlined where Ajv needs it.
 */
export function withDiscriminators<T>(schema: T, resolve: (ref: string) => unknown = () => undefined): T {
  const copies = new Map<object, unknown>();
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    if (value === null || typeof value !== 'object') return value;
    const seen = copies.get(value);
    if (seen !== undefined) return seen;
    const out: Node = {};
    copies.set(value, out);
    for (const [key, child] of Object.entries(value)) out[key] = copy(child);
    if (Array.isArray(out.oneOf) && out.discriminator === undefined) discriminate(out);
    return out;
  };
  const discriminate = (node: Node): void => {
    const branches = (node.oneOf as Node[]).map((b) => ({ inline: b, schema: (typeof b.$ref === 'string' ? resolve(b.$ref) : b) as Node | undefined }));
    const first = branches[0]?.schema?.properties as Node | undefined;
    if (!first) return;
    const tag = Object.keys(first).find((name) =>
      branches.every(({ schema: b }) => Array.isArray(b?.required) && b.required.includes(name) && fixedValues((b.properties as Node | undefined)?.[name], resolve)),
    );
    if (tag === undefined) return;
    node.discriminator = { propertyName: tag };
    for (const { inline } of branches) {
      const properties = inline.properties as Node | undefined;
      if (properties && typeof (properties[tag] as Node)?.$ref === 'string') properties[tag] = { ...fixedValues(properties[tag], resolve) };
    }
  };
  return copy(schema) as T;
}
