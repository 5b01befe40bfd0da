/**
 * Writes generated/callbacks.gen.ts from the bundled spec: which payload each operation's callback and each alert
 * (the spec's `webhooks`) delivers, as types and as JSON Schemas, so that the SDK's receiver kit cannot drift from the spec.
 */
import type { OpenAPIV3_1 } from 'openapi-types';

type Doc = OpenAPIV3_1.Document;
type PathItem = OpenAPIV3_1.PathItemObject;

/** How one callback or alert reaches its receiver. */
interface Delivery {
  key: string;
  /** The callback's name in the operation's `callbacks` (absent for alerts). */
  callback?: string;
  /** The runtime expression of the callback's URL (absent for alerts). */
  expression?: string;
  schema: string;
  signature: 'standard-webhooks' | 'x-request-signature';
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const SCHEMA_REF = /^#\/components\/schemas\/([A-Za-z0-9_]+)$/;

function resolve<T>(doc: Doc, value: T | OpenAPIV3_1.ReferenceObject): T {
  const ref = (value as OpenAPIV3_1.ReferenceObject).$ref;
  if (ref === undefined) return value as T;
  let target: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Record<string, unknown>)[part];
  if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  return target as T;
}

function deliveryOf(doc: Doc, key: string, post: OpenAPIV3_1.OperationObject | undefined): Omit<Delivery, 'key' | 'callback' | 'expression'> {
  const body = post?.requestBody ? resolve<OpenAPIV3_1.RequestBodyObject>(doc, post.requestBody) : undefined;
  const ref = (body?.content?.['application/json']?.schema as OpenAPIV3_1.ReferenceObject | undefined)?.$ref;
  const name = ref === undefined ? undefined : SCHEMA_REF.exec(ref)?.[1];
  // The SDK types a payload by its component's generated type, so an inline schema would have no name to give it.
  if (name === undefined) throw new Error(`${key}: the callback body must be a $ref to #/components/schemas/…`);
  // The spec's x-signature extension names the scheme (the description of the API documents it).
  const scheme = (post as { 'x-signature'?: { scheme?: unknown } } | undefined)?.['x-signature']?.scheme;
  if (scheme !== 'standard-webhooks' && scheme !== 'x-request-signature') {
    throw new Error(`${key}: x-signature.scheme must be standard-webhooks or x-request-signature, got ${JSON.stringify(scheme)}`);
  }
  return { schema: name, signature: scheme };
}

/** Every operation's callback, keyed by operationId (one callback per operation, which the generator checks). */
function callbacksOf(doc: Doc): Delivery[] {
  const found: Delivery[] = [];
  for (const pathItem of Object.values(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem?.[method];
      if (!operation?.callbacks) continue;
      const key = operation.operationId;
      if (key === undefined) throw new Error(`an operation with callbacks has no operationId`);
      const entries = Object.entries(operation.callbacks).flatMap(([name, callback]) =>
        Object.entries(resolve<OpenAPIV3_1.CallbackObject>(doc, callback)).map(([expression, item]) => ({ name, expression, item: item as PathItem })),
      );
      // The receiver kit keys payloads by operation; two callbacks on one operation would need a second key.
      if (entries.length !== 1) throw new Error(`${key}: expected exactly one callback, found ${entries.length}`);
      const { name, expression, item } = entries[0]!;
      found.push({ key, callback: name, expression, ...deliveryOf(doc, key, item.post) });
    }
  }
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

function alertsOf(doc: Doc): Delivery[] {
  return Object.entries(doc.webhooks ?? {})
    .map(([name, item]) => ({ key: name, ...deliveryOf(doc, `webhook ${name}`, resolve<PathItem>(doc, item).post) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Names of the component schemas `roots` use, transitively. */
function schemasUsed(doc: Doc, roots: string[]): string[] {
  const all = doc.components?.schemas ?? {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const schema = all[name];
    if (schema === undefined) throw new Error(`no component schema ${name}`);
    seen.add(name);
    for (const match of JSON.stringify(schema).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) visit(match[1]!);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

function entry(d: Delivery): string {
  const fields = { ...(d.callback ? { callback: d.callback, expression: d.expression } : {}), schema: d.schema, signature: d.signature };
  return `  ${JSON.stringify(d.key)}: ${JSON.stringify(fields)},`;
}

/** The text of generated/callbacks.gen.ts for `doc`. */
export function callbackMap(doc: Doc): string {
  const callbacks = callbacksOf(doc);
  const alerts = alertsOf(doc);
  const deliveries = [...callbacks, ...alerts];
  const types = [...new Set(deliveries.map((d) => d.schema))].sort();
  const components = Object.fromEntries(schemasUsed(doc, types).map((name) => [name, doc.components!.schemas![name]]));
  return `// Generated by scripts/generate.ts from generated/openapi.json: do not edit.

import type { ${types.join(', ')} } from './client/types.gen.js';

/** How a callback or alert is delivered: its payload schema (a component name) and how it is signed. */
export interface DeliveryContract {
  /** The callback's name in its operation's \`callbacks\` (absent for alerts). */
  readonly callback?: string;
  /** Where the callback is sent, as the spec's runtime expression (absent for alerts). */
  readonly expression?: string;
  readonly schema: string;
  readonly signature: 'standard-webhooks' | 'x-request-signature';
}

/** The payload each operation's callback delivers, by operationId. */
export interface CallbackPayloads {
${callbacks.map((d) => `  ${JSON.stringify(d.key)}: ${d.schema};`).join('\n')}
}

/** The payload each alert (the spec's \`webhooks\`) delivers, by its name. */
export interface AlertPayloads {
${alerts.map((d) => `  ${JSON.stringify(d.key)}: ${d.schema};`).join('\n')}
}

/** Every operation whose callbacks the receiver kit knows. */
export type CallbackOperation = keyof CallbackPayloads;
/** Every alert the receiver kit knows. */
export type AlertName = keyof AlertPayloads;

/** Each operation's callback contract. */
export const callbackContracts: Readonly<Record<CallbackOperation, DeliveryContract>> = {
${callbacks.map(entry).join('\n')}
};

/** Each alert's contract. */
export const alertContracts: Readonly<Record<AlertName, DeliveryContract>> = {
${alerts.map(entry).join('\n')}
};

/** The spec's component schemas that those payloads use (JSON Schema 2020-12, \`$ref\`s relative to the spec). */
export const componentSchemas: Readonly<Record<string, object>> = ${JSON.stringify(components, null, 2)};
`;
}
