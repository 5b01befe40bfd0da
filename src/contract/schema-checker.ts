/**
 * Checks JSON values against a contract document's schemas: OpenAPI 3.1 schemas are JSON Schema 2020-12 (the
 * server's own Ajv set-up), 3.0 schemas are Ajv's draft-07 with OpenAPI's `nullable` and boolean exclusive bounds.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describeAjvError, OPENAPI_FORMATS, specAjv, withDiscriminators } from '../spec/spec-ajv.js';

/** Checks `value` against `schema`: the problems, or an empty list when it matches. */
export type SchemaChecker = (schema: object, value: unknown) => string[];

/** OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` as the numeric bounds draft-07 reads. */
function draft07(schema: unknown, seen = new Map<object, unknown>()): unknown {
  if (Array.isArray(schema)) return schema.map((s) => draft07(s, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  const copied = seen.get(schema);
  if (copied !== undefined) return copied;
  const out: Record<string, unknown> = {};
  seen.set(schema, out);
  for (const [key, value] of Object.entries(schema)) out[key] = draft07(value, seen);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  return out;
}

/** A checker for the schemas of a document of `version`; each schema is compiled once. */
export function schemaChecker(version: '3.0' | '3.1'): SchemaChecker {
  const ajv =
    version === '3.1'
      ? specAjv()
      : (() => {
          // Ajv reads OpenAPI 3.0's `nullable` keyword itself.
          const draft = new Ajv({ allErrors: true, strict: false, discriminator: true });
          addFormats.default(draft);
          for (const format of OPENAPI_FORMATS) draft.addFormat(format, true);
          return draft;
        })();
  const compiled = new WeakMap<object, ValidateFunction | string>();
  return (schema, value) => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      try {
        validate = ajv.compile(version === '3.1' ? withDiscriminators(schema) : (draft07(schema) as object));
      } catch (err) {
        validate = `the schema cannot be compiled: ${(err as Error).message}`;
      }
      compiled.set(schema, validate);
    }
    if (typeof validate === 'string') return [validate];
    return validate(value) ? [] : (validate.errors ?? []).map(describeAjvError);
  };
}
