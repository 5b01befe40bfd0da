/** The one Ajv set-up for the spec's JSON Schemas (OpenAPI 3.1 is JSON Schema 2020-12), used by every validator the server compiles itself. */
import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** OpenAPI's numeric and binary formats: no extra constraint on a JSON value. */
const OPENAPI_FORMATS = ['float', 'double', 'int32', 'int64', 'byte', 'binary', 'password'];

/**
 * An Ajv instance for the spec's schemas: all errors, not strict (the spec uses OpenAPI keywords such as `example`),
 * the standard formats, and OpenAPI's own formats accepted. `options` adds to these (e.g. `removeAdditional`).
 */
export function specAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ...options });
  addFormats.default(ajv);
  for (const format of OPENAPI_FORMATS) ajv.addFormat(format, true);
  return ajv;
}

/** Formats an Ajv error as `message.results.sent must be integer`: a path a person can find in the payload. */
export function describeAjvError(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)';
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  return `${path} ${error.message ?? 'is invalid'}${extra}`;
}
