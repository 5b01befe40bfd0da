/**
 * Maps a batch action (resource + operation) to the spec operation it stands for, and validates its path parameters and
 * body against that operation's schemas. Compiled once at boot from the spec, like the callback contracts.
 */
import { dereference } from '@readme/openapi-parser';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenAPIV3_1 } from 'openapi-types';
import { specAjv } from '../spec/spec-ajv.js';
import type { StoredAction } from '../db/database.js';

/** The HTTP method each batch operation runs as (Meraki's mapping). */
const METHOD_OF: Record<StoredAction['operation'], 'post' | 'put' | 'delete'> = { create: 'post', update: 'put', destroy: 'delete' };

/** Prefix of the Meraki-style paths in the spec; batch resources are written without it. */
const API_PREFIX = '/api/v1';

/**
 * Meraki's v0 paths still written in batches (the seed's own example uses `/networks/{id}/ssids/{number}`), rewritten
 * to the v1 path they mean before matching.
 */
const LEGACY_PATHS: [RegExp, string][] = [[/^\/networks\/([^/]+)\/ssids\/([^/]+)$/, '/networks/$1/wireless/ssids/$2']];

/** An action matched to its spec operation, with coerced path parameters and the body to run it with. */
export interface ResolvedAction {
  operationId: string;
  /** Path parameters by name, coerced to their schema types (an SSID `number` is a number). */
  params: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** What resolving one action gives: the operation, or why it cannot run. */
export type Resolution = { ok: true; action: ResolvedAction } | { ok: false; error: string };

/** One spec operation an action may map to. */
interface OperationEntry {
  operationId: string;
  validateParams: ValidateFunction;
  /** Absent when the operation takes no body. */
  validateBody: ValidateFunction | undefined;
}

/** One spec path, as a matcher for concrete resources. */
interface PathEntry {
  template: string;
  pattern: RegExp;
  names: string[];
  /** Literal segments: the more, the more specific (tried first). */
  literals: number;
  operations: Partial<Record<'post' | 'put' | 'delete', OperationEntry>>;
}

/** Formats an Ajv error as `body.enabled must be boolean`. */
function describe(root: string, error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  return `${path ? `${root}.${path}` : root} ${error.message ?? 'is invalid'}${extra}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spec operations batch actions can run, with their compiled validators. */
export class ActionOperations {
  private constructor(private readonly paths: PathEntry[]) {}

  /**
   * Dereferences the spec and compiles, for every `/api/v1` path operation in `supported` (operationIds), validators of its
   * path parameters and request body. Throws if a supported operation is missing from the spec.
   */
  static async compile(spec: OpenAPIV3_1.Document, supported: readonly string[]): Promise<ActionOperations> {
    const doc = await dereference(structuredClone(spec));
    // Bodies as the HTTP validator treats them: properties a request schema does not describe (it declares
    // `additionalProperties: false`) are removed from the body in place, so neither the stored batch nor a handler sees them.
    const ajv = specAjv({ removeAdditional: true });
    // Path parameters arrive as text: coerce them to their schema types (integers for SSID numbers).
    const coercing = specAjv({ coerceTypes: true });
    const wanted = new Set(supported);
    const paths: PathEntry[] = [];
    for (const [fullPath, item] of Object.entries(doc.paths ?? {})) {
      if (!fullPath.startsWith(`${API_PREFIX}/`) || !item) continue;
      const template = fullPath.slice(API_PREFIX.length);
      const names: string[] = [];
      let literals = 0;
      const source = template
        .split('/')
        .map((segment) => {
          const param = /^\{(.+)\}$/.exec(segment);
          if (param) {
            names.push(param[1]!);
            return '([^/]+)';
          }
          if (segment) literals += 1;
          return escapeRegExp(segment);
        })
        .join('/');
      const entry: PathEntry = { template, pattern: new RegExp(`^${source}$`), names, literals, operations: {} };
      for (const method of ['post', 'put', 'delete'] as const) {
        const operation = item[method];
        if (!operation?.operationId || !wanted.has(operation.operationId)) continue;
        wanted.delete(operation.operationId);
        const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])] as OpenAPIV3_1.ParameterObject[];
        const pathParams = parameters.filter((p) => p.in === 'path');
        const paramsSchema = {
          type: 'object',
          properties: Object.fromEntries(pathParams.map((p) => [p.name, p.schema ?? {}])),
          required: pathParams.map((p) => p.name),
        };
        const media = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content?.['application/json'];
        entry.operations[method] = {
          operationId: operation.operationId,
          validateParams: coercing.compile(paramsSchema),
          validateBody: media?.schema ? ajv.compile(media.schema) : undefined,
        };
      }
      paths.push(entry);
    }
    if (wanted.size > 0) throw new Error(`batch operations missing from the spec: ${[...wanted].join(', ')}`);
    paths.sort((a, b) => b.literals - a.literals);
    return new ActionOperations(paths);
  }

  /**
   * Matches `action` to its operation and validates it, removing from `action.body` what the operation's request body does
   * not describe; the error says what is wrong, without the action's index.
   */
  resolve(action: StoredAction): Resolution {
    let resource = action.resource.split('?')[0]!;
    for (const [legacy, modern] of LEGACY_PATHS) resource = resource.replace(legacy, modern);
    for (const entry of this.paths) {
      const match = entry.pattern.exec(resource);
      if (!match) continue;
      const operation = entry.operations[METHOD_OF[action.operation]];
      if (!operation) {
        const allowed = (Object.keys(METHOD_OF) as StoredAction['operation'][]).filter((op) => entry.operations[METHOD_OF[op]]);
        const hint = allowed.length > 0 ? `; ${entry.template} supports ${allowed.join(', ')}` : `; ${entry.template} cannot be used in a batch`;
        return { ok: false, error: `Unsupported operation ${action.operation}${hint}` };
      }
      const params: Record<string, unknown> = {};
      try {
        entry.names.forEach((name, i) => {
          params[name] = decodeURIComponent(match[i + 1]!);
        });
      } catch {
        return { ok: false, error: 'Malformed resource path' };
      }
      if (!operation.validateParams(params)) {
        return { ok: false, error: (operation.validateParams.errors ?? []).map((e) => describe('path', e)).join('; ') };
      }
      const body = action.body ?? {};
      if (operation.validateBody) {
        if (!operation.validateBody(body)) {
          return { ok: false, error: (operation.validateBody.errors ?? []).map((e) => describe('body', e)).join('; ') };
        }
      } else {
        // An operation without a request body describes no property at all: whatever the body holds is dropped.
        for (const key of Object.keys(body)) delete body[key];
      }
      return { ok: true, action: { operationId: operation.operationId, params, body } };
    }
    return { ok: false, error: 'Unsupported resource: no batchable operation has this path' };
  }
}
