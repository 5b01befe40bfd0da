/**
 * Every callback (under an operation's `callbacks`) and webhook (under 3.1's `webhooks`) a contract document declares,
 * as a receiver of it sees one: the request it gets, how it is signed, its body's schema and examples.
 */
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import type { OpenApiDocument } from './contract-document.js';

/** How a callback is signed: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) or AutoPi's `X-Request-Signature`. */
export type SignatureScheme = 'standard-webhooks' | 'x-request-signature';

/** A header parameter a callback declares, other than the ones its signing sets. */
export interface DeclaredHeader {
  name: string;
  required: boolean;
  schema?: object | undefined;
  /** The parameter's `example`, or the first of its `examples`. */
  example?: unknown;
}

/** One example of a callback's body. */
export interface DeclaredExample {
  /** `example` for the media type's `example`, else the key in its `examples`. */
  name: string;
  value: unknown;
  /** Set when the example is only an `externalValue`, which the runner does not fetch. */
  externalValue?: string | undefined;
}

/** A callback or webhook of the document. */
export interface DeclaredCallback {
  /** How reports name it: `callback pingHost of createDeviceLiveToolsPing`, or `webhook deviceWentDown`. */
  label: string;
  /** `operationId.callbackName` or `webhook.NAME`, as the server's validators are keyed. */
  key: string;
  /** The names that select it (`--only`): its key, and its operationId and callback name, or its webhook name. */
  names: string[];
  /** The HTTP method it is sent with, upper case. */
  method: string;
  /** How it is signed (its `x-signature`, else the signature header it declares), or undefined when the document does not say. */
  signature: SignatureScheme | undefined;
  /** Whether it declares a `webhook-id` header (Standard Webhooks callbacks always carry one). */
  hasWebhookId: boolean;
  /** Whether it declares a `webhook-timestamp` header (Standard Webhooks callbacks always carry one). */
  hasTimestamp: boolean;
  /** Its other header parameters, which the runner sends too. */
  headers: DeclaredHeader[];
  /** The body's JSON media type (`application/json`, or another `…/…+json`), or undefined when it declares none. */
  mediaType: string | undefined;
  /** The body's schema under that media type. */
  schema: object | undefined;
  examples: DeclaredExample[];
}

type Operation = OpenAPIV3.OperationObject | OpenAPIV3_1.OperationObject;
type PathItem = OpenAPIV3.PathItemObject | OpenAPIV3_1.PathItemObject;
type Parameter = OpenAPIV3.ParameterObject | OpenAPIV3_1.ParameterObject;
type MediaType = OpenAPIV3.MediaTypeObject | OpenAPIV3_1.MediaTypeObject;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Headers the signing schemes set, in lower case: never taken from the declared examples. */
const SIGNING_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-request-signature']);
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/i;

/** The scheme named by an operation's `x-signature`, else inferred from the signature header it declares. */
function signatureOf(operation: Operation, headers: Set<string>): SignatureScheme | undefined {
  const scheme = (operation as { 'x-signature'?: { scheme?: unknown } })['x-signature']?.scheme;
  if (scheme === 'standard-webhooks' || scheme === 'x-request-signature') return scheme;
  if (headers.has('webhook-signature')) return 'standard-webhooks';
  if (headers.has('x-request-signature')) return 'x-request-signature';
  return undefined;
}

function examplesOf(media: MediaType): DeclaredExample[] {
  const examples: DeclaredExample[] = [];
  if (media.example !== undefined) examples.push({ name: 'example', value: media.example });
  for (const [name, example] of Object.entries(media.examples ?? {})) {
    const { value, externalValue } = example as OpenAPIV3.ExampleObject;
    if (value !== undefined) examples.push({ name, value });
    else if (externalValue !== undefined) examples.push({ name, value: undefined, externalValue });
  }
  return examples;
}

function declared(
  base: Pick<DeclaredCallback, 'label' | 'key' | 'names'>,
  method: string,
  pathItem: PathItem,
  operation: Operation,
): DeclaredCallback {
  // Path-level parameters apply to each operation, which may override one by name and place.
  const parameters = new Map<string, Parameter>();
  for (const p of [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])] as Parameter[]) parameters.set(`${p.in}:${p.name.toLowerCase()}`, p);
  const headerParameters = [...parameters.values()].filter((p) => p.in === 'header');
  const headerNames = new Set(headerParameters.map((p) => p.name.toLowerCase()));
  const signature = signatureOf(operation, headerNames);
  const content = (operation.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content ?? {};
  const mediaType = Object.keys(content).find((type) => JSON_MEDIA.test(type));
  const media = mediaType === undefined ? undefined : content[mediaType]!;
  return {
    ...base,
    method: method.toUpperCase(),
    signature,
    hasWebhookId: signature === 'standard-webhooks' || headerNames.has('webhook-id'),
    hasTimestamp: signature === 'standard-webhooks' || headerNames.has('webhook-timestamp'),
    headers: headerParameters
      .filter((p) => !SIGNING_HEADERS.has(p.name.toLowerCase()) && p.name.toLowerCase() !== 'content-type')
      .map((p) => ({
        name: p.name,
        required: p.required === true,
        schema: p.schema as object | undefined,
        example: p.example ?? (Object.values(p.examples ?? {})[0] as OpenAPIV3.ExampleObject | undefined)?.value,
      })),
    mediaType,
    schema: media?.schema as object | undefined,
    examples: media === undefined ? [] : examplesOf(media),
  };
}

/** Every callback and webhook of `doc` (dereferenced), callbacks in the order of the paths, then webhooks. */
export function declaredCallbacks(doc: OpenApiDocument): DeclaredCallback[] {
  const found: DeclaredCallback[] = [];
  for (const pathItem of Object.values(doc.paths ?? {}) as PathItem[]) {
    for (const method of METHODS) {
      const operation = pathItem?.[method];
      if (!operation?.callbacks) continue;
      const operationId = operation.operationId ?? `${method.toUpperCase()} ${Object.entries(doc.paths ?? {}).find(([, item]) => item === pathItem)?.[0]}`;
      for (const [name, callback] of Object.entries(operation.callbacks)) {
        for (const item of Object.values(callback as Record<string, PathItem>)) {
          const methods = METHODS.filter((m) => item[m] !== undefined);
          for (const m of methods) {
            const key = `${operationId}.${name}`;
            const label = `callback ${name} of ${operationId}${methods.length > 1 ? ` (${m.toUpperCase()})` : ''}`;
            found.push(declared({ label, key, names: [key, operationId, name] }, m, item, item[m]!));
          }
        }
      }
    }
  }
  for (const [name, item] of Object.entries((doc as OpenAPIV3_1.Document).webhooks ?? {}) as [string, PathItem][]) {
    const methods = METHODS.filter((m) => item[m] !== undefined);
    for (const m of methods) {
      const label = `webhook ${name}${methods.length > 1 ? ` (${m.toUpperCase()})` : ''}`;
      found.push(declared({ label, key: `webhook.${name}`, names: [`webhook.${name}`, name] }, m, item, item[m]!));
    }
  }
  return found;
}
