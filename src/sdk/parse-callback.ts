/**
 * Checks a received callback or alert body against its schema in the bundled spec and returns it typed: the schemas
 * and the operation → payload map are generated from the spec's `callbacks` and `webhooks` (generated/callbacks.gen.ts).
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import {
  alertContracts,
  callbackContracts,
  componentSchemas,
  type AlertName,
  type AlertPayloads,
  type CallbackOperation,
  type CallbackPayloads,
} from '../../generated/callbacks.gen.js';
import { describeAjvError, specAjv, withDiscriminators } from '../spec/spec-ajv.js';
import { CallbackParseError } from './callback-parse-error.js';

// The component schemas' $refs are `#/components/schemas/X`: they resolve inside a document shaped like the spec.
const SPEC_ID = 'urn:boomerang:spec';
let ajv: ReturnType<typeof specAjv> | undefined;
const validators = new Map<string, ValidateFunction>();

/** The compiled validator of component schema `name`, compiled on first use (most receivers need one or two). */
function validatorFor(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    const resolve = (ref: string) => componentSchemas[ref.replace('#/components/schemas/', '')];
    ajv ??= specAjv().addSchema({ $id: SPEC_ID, components: { schemas: withDiscriminators(componentSchemas, resolve) } });
    validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (validate === undefined) throw new Error(`the bundled spec has no schema ${name}`);
    validators.set(name, validate);
  }
  return validate;
}

/** The JSON value of a body given as text, bytes or an already parsed value. */
function jsonOf(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CallbackParseError([`(body) is not JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

function checked(schema: string, body: unknown): unknown {
  const value = jsonOf(body);
  const validate = validatorFor(schema);
  if (!validate(value)) throw new CallbackParseError((validate.errors ?? []).map(describeAjvError));
  return value;
}

/**
 * The callback of `operation` (its operationId, e.g. `'createDeviceLiveToolsPing'` → PingCallback), checked against
 * the callback's schema; throws CallbackParseError naming each problem (`message.status must be equal to one of …`).
 * Callbacks rendered through a custom payload template have the template's shape, not this one.
 */
export function parseCallback<K extends CallbackOperation>(operation: K, body: unknown): CallbackPayloads[K] {
  const contract = callbackContracts[operation];
  if (contract === undefined) throw new TypeError(`no operation "${String(operation)}" has callbacks in the spec`);
  return checked(contract.schema, body) as CallbackPayloads[K];
}

/** The alert `name` (one of the spec's `webhooks`, e.g. `'deviceWentDown'`), checked against its schema, as parseCallback. */
export function parseAlert<K extends AlertName>(name: K, body: unknown): AlertPayloads[K] {
  const contract = alertContracts[name];
  if (contract === undefined) throw new TypeError(`the spec has no alert "${String(name)}"`);
  return checked(contract.schema, body) as AlertPayloads[K];
}
