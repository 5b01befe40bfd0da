/** The operations of a dereferenced document, as the API runner walks them: parameters merged, links and callbacks read. */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { OpenApiDocument } from './contract-document.js';

type Operation = OpenAPIV3_1.OperationObject;
type Parameter = OpenAPIV3_1.ParameterObject;

/**
 * `x-callback-match` on a link: once `callback` has arrived, the linked operation answers (at the JSON Pointer
 * `response` of its body, default all of it) with what the callback's body has at `pointer`.
 */
export interface CallbackMatch {
  callback: string;
  pointer: string;
  response?: string;
}

/** A link of one response: which operation it leads to and with what. */
export interface OperationLink {
  name: string;
  /** The response status (or range) it belongs to. */
  status: string;
  operationId: string;
  /** Parameter name (or `in.name`) → runtime expression or constant. */
  parameters: Record<string, unknown>;
  requestBody?: unknown;
  callbackMatch?: CallbackMatch;
  /** `x-examples`: followed only from requests sent with these named examples of the request body. */
  examples?: string[];
}

/** One callback expression of an operation: its name, URL template and the path item it POSTs (or other methods) to. */
export interface OperationCallback {
  name: string;
  template: string;
  item: OpenAPIV3_1.PathItemObject;
}

/** An operation with everything the runner reads of it. */
export interface ApiOperation {
  id: string;
  method: string;
  path: string;
  operation: Operation;
  /** Path-level and operation-level parameters, the operation's winning where both name one. */
  parameters: Parameter[];
  links: OperationLink[];
  callbacks: OperationCallback[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** Every operation of `doc` in document order; one without an operationId is named `METHOD path`. */
export function apiOperations(doc: OpenApiDocument): ApiOperation[] {
  const found: ApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (item === undefined) continue;
    for (const method of METHODS) {
      const operation = (item as OpenAPIV3_1.PathItemObject)[method];
      if (operation === undefined) continue;
      const byKey = new Map<string, Parameter>();
      for (const p of [...((item.parameters ?? []) as Parameter[]), ...((operation.parameters ?? []) as Parameter[])]) byKey.set(`${p.in}:${p.name}`, p);
      const links: OperationLink[] = [];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [name, link] of Object.entries((response as OpenAPIV3_1.ResponseObject).links ?? {})) {
          const l = link as OpenAPIV3_1.LinkObject & { 'x-callback-match'?: CallbackMatch; 'x-examples'?: string[] };
          if (l.operationId === undefined) continue;
          links.push({
            name,
            status,
            operationId: l.operationId,
            parameters: (l.parameters ?? {}) as Record<string, unknown>,
            ...(l.requestBody !== undefined ? { requestBody: l.requestBody } : {}),
            ...(l['x-callback-match'] ? { callbackMatch: l['x-callback-match'] } : {}),
            ...(Array.isArray(l['x-examples']) ? { examples: l['x-examples'] } : {}),
          });
        }
      }
      const callbacks: OperationCallback[] = [];
      for (const [name, callback] of Object.entries(operation.callbacks ?? {})) {
        for (const [template, callbackItem] of Object.entries(callback as Record<string, OpenAPIV3_1.PathItemObject>)) {
          callbacks.push({ name, template, item: callbackItem });
        }
      }
      found.push({
        id: operation.operationId ?? `${method.toUpperCase()} ${path}`,
        method,
        path,
        operation: operation as Operation,
        parameters: [...byKey.values()],
        links,
        callbacks,
      });
    }
  }
  return found;
}

/** The operations some link leads to: the runner reaches those through the link, with the ids it carries. */
export function linkTargets(operations: readonly ApiOperation[]): Set<string> {
  return new Set(operations.flatMap((o) => o.links.map((l) => l.operationId)));
}
