/**
 * Compiles an Ajv validator for every callback and webhook body in the spec, keyed `operationId.callbackName` and `webhook.NAME`.
 * express-openapi-validator does not look at callbacks or webhooks, so this is also the boot-time check that those schemas are sound.
 */
import { dereference } from '@readme/openapi-parser';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenAPIV3_1 } from 'openapi-types';
import { describeAjvError, specAjv, withDiscriminators } from './spec-ajv.js';

/** Result of checking one payload against its contract. */
export type ContractResult = { valid: true } | { valid: false; errors: string[] };

/** A compiled contract: the schema, where it came from, and its examples (for tests and docs). */
export interface Contract {
  key: string;
  schema: object;
  examples: unknown[];
  validate: ValidateFunction;
}

/** Thrown at boot when a callback or webhook schema in the spec is not a valid schema. */
export class ContractCompileError extends Error {
  override name = 'ContractCompileError';
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function examplesOf(media: OpenAPIV3_1.MediaTypeObject): unknown[] {
  const named = Object.values(media.examples ?? {}).map((e) => (e as OpenAPIV3_1.ExampleObject).value);
  return media.example !== undefined ? [media.example, ...named] : named;
}

/** The validators of one spec, by key. */
export class CallbackContracts {
  private constructor(private readonly contracts: Map<string, Contract>) {}

  /** Dereferences the spec and compiles every callback and webhook body schema; throws ContractCompileError naming the first bad one. */
  static async compile(spec: OpenAPIV3_1.Document): Promise<CallbackContracts> {
    // dereference() resolves in place: give it a copy so the caller's spec keeps its $refs.
    const doc = await dereference(structuredClone(spec));
    const ajv = specAjv();

    const found: { key: string; media: OpenAPIV3_1.MediaTypeObject | undefined }[] = [];
    for (const pathItem of Object.values(doc.paths ?? {})) {
      for (const method of HTTP_METHODS) {
        const operation = pathItem?.[method];
        if (!operation?.callbacks) continue;
        for (const [name, callback] of Object.entries(operation.callbacks)) {
          for (const expression of Object.values(callback as Record<string, OpenAPIV3_1.PathItemObject>)) {
            const body = expression.post?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
            found.push({ key: `${operation.operationId}.${name}`, media: body?.content?.['application/json'] });
          }
        }
      }
    }
    for (const [name, pathItem] of Object.entries(doc.webhooks ?? {})) {
      const body = (pathItem as OpenAPIV3_1.PathItemObject).post?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
      found.push({ key: `webhook.${name}`, media: body?.content?.['application/json'] });
    }

    const contracts = new Map<string, Contract>();
    for (const { key, media } of found) {
      if (!media?.schema) throw new ContractCompileError(`${key}: no application/json request body schema in the spec`);
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(withDiscriminators(media.schema));
      } catch (err) {
        throw new ContractCompileError(`${key}: schema does not compile: ${err instanceof Error ? err.message : String(err)}`);
      }
      contracts.set(key, { key, schema: media.schema, examples: examplesOf(media), validate });
    }
    return new CallbackContracts(contracts);
  }

  /** Every contract key, sorted. */
  keys(): string[] {
    return [...this.contracts.keys()].sort();
  }

  /** The contract for a key; throws if the spec has no such callback (a server bug, never a client's). */
  get(key: string): Contract {
    const contract = this.contracts.get(key);
    if (!contract) throw new Error(`no callback contract "${key}" in the spec`);
    return contract;
  }

  /** Checks a payload against the contract for `key`, with readable error paths. */
  check(key: string, payload: unknown): ContractResult {
    const { validate } = this.get(key);
    if (validate(payload)) return { valid: true };
    return { valid: false, errors: (validate.errors ?? []).map(describeAjvError) };
  }
}
