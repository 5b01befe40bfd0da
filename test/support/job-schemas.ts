/** Validators for the live-tool job schemas of the bundled spec, made strict: an object may hold only the properties its schema names. */
import { dereference } from '@readme/openapi-parser';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { specAjv } from '../../src/spec/spec-ajv.js';

/** The component schemas checked here. */
export type JobSchemaName = 'PingJob' | 'PingDeviceJob' | 'PingResults' | 'WakeOnLanJob' | 'ArpTableJob' | 'CableTestJob';

const names: JobSchemaName[] = ['PingJob', 'PingDeviceJob', 'PingResults', 'WakeOnLanJob', 'ArpTableJob', 'CableTestJob'];

/**
 * Copies `schema`, closing every `type: object` schema that lists properties, so that a misspelt or extra field fails.
 * A schema composed with `allOf` (a job variant: its base and its status-dependent part) is closed as a whole with
 * `unevaluatedProperties`, since closing each part would refuse the other part's properties.
 */
function strict(schema: unknown, part = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => strict(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'allOf' && Array.isArray(value) ? value.map((s) => strict(s, true)) : strict(value);
  }
  if (copy.allOf && copy.unevaluatedProperties === undefined) copy.unevaluatedProperties = false;
  else if (!part && copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

const doc = await dereference(loadSpec());
const ajv = specAjv();
const validators = new Map<JobSchemaName, ValidateFunction>(
  names.map((name) => [name, ajv.compile(strict(doc.components!.schemas![name]) as object)]),
);

/** The schema errors of `value` against component `name` (strict), as `path message` lines; empty when it is valid. */
export function schemaErrors(name: JobSchemaName, value: unknown): string[] {
  const validate = validators.get(name)!;
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
