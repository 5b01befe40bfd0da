/**
 * Builds the requests of `contract api`: parameters from links, fixtures and the spec's examples; the body from an
 * example or the schema (schemaSample); the credentials the operation's security asks for; and each callback
 * pointed at the runner's catcher where its runtime expression says.
 */
import { randomBytes } from 'node:crypto';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { ApiOperation, OperationCallback } from './api-operations.js';
import type { OpenApiDocument } from './contract-document.js';
import { schemaSample } from './schema-sample.js';
import { parseTemplate, setAt, type Exchange } from './runtime-expression.js';

/** Values the spec cannot invent, from a fixtures file: by parameter name, and per operation. */
export interface ApiFixtures {
  /** Parameter name → value, for every operation that has such a parameter. */
  parameters?: Record<string, string | number | boolean>;
  operations?: Record<
    string,
    {
      /** Parameter name → value, for this operation only (path, query or header). */
      parameters?: Record<string, string | number | boolean>;
      /** The body to send instead of the spec's example. */
      body?: unknown;
      /** Why this operation is not to be run; it is reported as skipped. */
      skip?: string;
    }
  >;
}

/** How a callback is signed, from its operation's `x-signature` (or its declared headers). */
export interface CallbackSigning {
  scheme: 'standard-webhooks' | 'x-request-signature';
  /** The key the runner expects it signed with; undefined when the runner does not know it. */
  secret: string | undefined;
}

/** A callback the request asked for: where it goes and how it should be signed. */
export interface ExpectedCallback {
  callback: OperationCallback;
  /** The catcher tag it was pointed at; undefined when its URL is not the runner's to choose (reason says why). */
  tag: string | undefined;
  reason?: string;
  signing: CallbackSigning | undefined;
}

/** A request ready to send, with what it expects back. */
export interface BuiltRequest {
  exchange: Exchange;
  /** The body as sent, or undefined. */
  bodyText: string | undefined;
  contentType: string | undefined;
  callbacks: ExpectedCallback[];
  /** Body properties the runner itself filled in (callback URL, secret): invalid variants leave them alone. */
  runnerFields: Set<string>;
}

/** Where a request's values come from: the link it follows (evaluated), the fixtures, the credentials. */
export interface RequestSources {
  linkValues?: Record<string, unknown>;
  linkBody?: unknown;
  fixtures: ApiFixtures;
  token: string | undefined;
  headers: Record<string, string>;
  /** A secret the runner can expect callbacks without their own secret expression to be signed with. */
  secret: string | undefined;
  /** The catcher URL for a tag. */
  catcherUrl(tag: string): string;
  /** Makes a tag for one callback of this request. */
  nextTag(callback: string): string;
  /** Whether to leave the credentials out (the 401 check). */
  withoutCredentials?: boolean;
  /** Which of the request body's named examples to send (see exampleNames). */
  example?: string;
  /** A body to send instead of the one built (an invalid variant); callbacks are still placed into it. */
  bodyOverride?: unknown;
}

/** The value a parameter gets when nothing else gives one: its example, else one sampled from its schema. */
function exampleOf(parameter: OpenAPIV3_1.ParameterObject, doc: OpenApiDocument): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const named = Object.values(parameter.examples ?? {})[0] as OpenAPIV3_1.ExampleObject | undefined;
  if (named?.value !== undefined) return named.value;
  const schema = parameter.schema as Record<string, unknown> | undefined;
  if (schema?.example !== undefined) return schema.example;
  if (Array.isArray(schema?.examples) && schema.examples.length > 0) return schema.examples[0];
  return schema ? schemaSample(schema, { document: doc }) : undefined;
}

/** The names of a request body's named `examples` when it has several and no single `example`; otherwise none. */
export function exampleNames(media: OpenAPIV3_1.MediaTypeObject | undefined): string[] {
  if (media === undefined || media.example !== undefined) return [];
  const names = Object.keys(media.examples ?? {});
  return names.length > 1 ? names : [];
}

/**
 * The body a request sends: the named example `name`, else its media example or first named example, else a sample
 * of its schema (`sampled`); undefined when it has none.
 */
export function exampleBody(media: OpenAPIV3_1.MediaTypeObject | undefined, doc: OpenApiDocument, name?: string): { value: unknown; sampled: boolean } {
  if (media === undefined) return { value: undefined, sampled: false };
  const named = media.examples ?? {};
  const chosen = (name !== undefined ? named[name] : undefined) as OpenAPIV3_1.ExampleObject | undefined;
  if (chosen?.value !== undefined) return { value: structuredClone(chosen.value), sampled: false };
  if (media.example !== undefined) return { value: structuredClone(media.example), sampled: false };
  const first = Object.values(named)[0] as OpenAPIV3_1.ExampleObject | undefined;
  if (first?.value !== undefined) return { value: structuredClone(first.value), sampled: false };
  return { value: media.schema ? schemaSample(media.schema, { document: doc }) : undefined, sampled: true };
}

/** The JSON media type of a request body (or its first), with its key. */
export function requestMedia(operation: OpenAPIV3_1.OperationObject): { type: string; media: OpenAPIV3_1.MediaTypeObject } | undefined {
  const content = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content ?? {};
  const type = Object.keys(content).find((k) => k.split(';')[0]!.trim() === 'application/json' || k.endsWith('+json')) ?? Object.keys(content)[0];
  return type === undefined ? undefined : { type, media: content[type]! };
}

/** A header's credential without its scheme word: `Bearer abc` is `abc`. */
function credentialOf(value: string | undefined): string | undefined {
  return value?.replace(/^(Bearer|APIToken|Token)\s+/i, '');
}

/** Sets the credentials of the first security alternative the runner can satisfy with its token. */
function applySecurity(op: ApiOperation, doc: OpenApiDocument, token: string | undefined, exchange: Exchange): void {
  const requirements = (op.operation.security ?? (doc as OpenAPIV3_1.Document).security ?? []) as Record<string, string[]>[];
  if (token === undefined || requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return;
  const schemes = ((doc as OpenAPIV3_1.Document).components?.securitySchemes ?? {}) as Record<string, OpenAPIV3_1.SecuritySchemeObject>;
  for (const requirement of requirements) {
    const parts = Object.keys(requirement).map((name) => schemes[name]);
    const usable = parts.every((s) => s !== undefined && ((s.type === 'http' && s.scheme.toLowerCase() === 'bearer') || (s.type === 'apiKey' && s.in !== 'cookie')));
    if (!usable) continue;
    for (const s of parts) {
      if (s!.type === 'http') exchange.headers.authorization = `Bearer ${token}`;
      else if (s!.type === 'apiKey' && s!.in === 'header') exchange.headers[s!.name.toLowerCase()] = token;
      else if (s!.type === 'apiKey' && s!.in === 'query') exchange.query[s!.name] = token;
    }
    return;
  }
}

/** How a callback is signed and with what, given the request that asked for it (evaluated after the body is built). */
function signingOf(callback: OperationCallback, secretSetter: (pointer: string[]) => string, exchange: Exchange, fallbackSecret: string | undefined): CallbackSigning | undefined {
  const method = Object.keys(callback.item).find((k) => ['post', 'put', 'patch'].includes(k)) as 'post' | undefined;
  const op = method ? (callback.item[method] as OpenAPIV3_1.OperationObject & { 'x-signature'?: { scheme?: string; secret?: string } }) : undefined;
  const declared = op?.['x-signature'];
  const headerNames = ((op?.parameters ?? []) as OpenAPIV3_1.ParameterObject[]).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
  const scheme =
    declared?.scheme === 'standard-webhooks' || declared?.scheme === 'x-request-signature'
      ? declared.scheme
      : headerNames.includes('webhook-signature')
        ? 'standard-webhooks'
        : headerNames.includes('x-request-signature')
          ? 'x-request-signature'
          : undefined;
  if (scheme === undefined) return undefined;
  if (declared?.secret === undefined) return { scheme, secret: fallbackSecret };
  const { expression } = parseTemplate(declared.secret);
  if (!('part' in expression) || expression.source !== 'request') return { scheme, secret: fallbackSecret };
  if (expression.part === 'body') return { scheme, secret: secretSetter(expression.pointer) };
  if (expression.part === 'header') return { scheme, secret: credentialOf(exchange.headers[expression.name.toLowerCase()]) };
  return { scheme, secret: credentialOf(expression.part === 'query' ? exchange.query[expression.name] : exchange.path[expression.name]) };
}

/** Builds the request for `op` from `sources`; a string is the reason it cannot be built (a value nobody gave). */
export function buildRequest(op: ApiOperation, doc: OpenApiDocument, baseUrl: string, sources: RequestSources): BuiltRequest | string {
  const fixture = sources.fixtures.operations?.[op.id];
  const exchange: Exchange = { method: op.method.toUpperCase(), url: '', path: {}, query: {}, headers: { ...sources.headers } };
  const given = (p: OpenAPIV3_1.ParameterObject): unknown =>
    sources.linkValues?.[`${p.in}.${p.name}`] ?? sources.linkValues?.[p.name] ?? fixture?.parameters?.[p.name] ?? sources.fixtures.parameters?.[p.name];
  for (const p of op.parameters) {
    let value = given(p);
    if (value === undefined && (p.required || p.in === 'path')) value = exampleOf(p, doc);
    if (value === undefined) continue;
    if (p.in === 'path') exchange.path[p.name] = String(value);
    else if (p.in === 'query') exchange.query[p.name] = Array.isArray(value) ? value.join(',') : String(value);
    else if (p.in === 'header') exchange.headers[p.name.toLowerCase()] = String(value);
  }
  const missing = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).find((name) => exchange.path[name] === undefined);
  if (missing !== undefined) return `no value for path parameter ${missing} (give it with --param ${missing}=VALUE or in the fixtures)`;
  if (!sources.withoutCredentials) applySecurity(op, doc, sources.token, exchange);

  const media = requestMedia(op.operation);
  let body: unknown;
  let sampled = false;
  if (sources.bodyOverride !== undefined) body = sources.bodyOverride;
  else if (sources.linkBody !== undefined) body = structuredClone(sources.linkBody);
  else if (fixture?.body !== undefined) body = structuredClone(fixture.body);
  else ({ value: body, sampled } = exampleBody(media?.media, doc, sources.example));
  const runnerFields = new Set<string>();
  const callbacks: ExpectedCallback[] = [];
  const needsObject = () => {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) body = {};
    return body as Record<string, unknown>;
  };
  for (const callback of op.callbacks) {
    let template;
    try {
      template = parseTemplate(callback.template);
    } catch (err) {
      callbacks.push({ callback, tag: undefined, reason: (err as Error).message, signing: undefined });
      continue;
    }
    const { expression, before } = template;
    if (!('part' in expression) || expression.source !== 'request' || before !== '' || expression.part === 'path') {
      callbacks.push({ callback, tag: undefined, reason: `its URL ${callback.template} is not one the runner can point at itself`, signing: undefined });
      continue;
    }
    const [top, ...deeper] = expression.part === 'body' ? expression.pointer : [];
    if (expression.part === 'body' && top !== undefined && deeper.length > 0 && !sampled && (body === null || typeof body !== 'object' || !Object.hasOwn(body, top))) {
      // An example that leaves out the object holding the callback (`callback`) is a request for no callback.
      continue;
    }
    const tag = sources.nextTag(callback.name);
    const url = sources.catcherUrl(tag);
    if (expression.part === 'body') {
      // The object holding the URL (`callback`) is the runner's own: an example's other way of naming a receiver
      // (`callback.httpServer`) would contradict the URL it gives.
      if (top !== undefined && deeper.length > 0) needsObject()[top] = {};
      setAt(needsObject(), expression.pointer, url);
      if (top !== undefined) runnerFields.add(top);
    } else if (expression.part === 'query') exchange.query[expression.name] = url;
    else exchange.headers[expression.name.toLowerCase()] = url;
    callbacks.push({ callback, tag, signing: undefined });
  }
  // Secrets are placed after every URL, so that a secret beside a URL (callback.sharedSecret) lands in the same object.
  for (const expected of callbacks) {
    if (expected.tag === undefined) continue;
    expected.signing = signingOf(
      expected.callback,
      (pointer) => {
        const existing = pointer.reduce<unknown>((at, t) => (at as Record<string, unknown> | undefined)?.[t], body);
        const secret = typeof existing === 'string' && existing.length >= 8 && sources.bodyOverride === undefined ? existing : `contract-${randomBytes(12).toString('hex')}`;
        setAt(needsObject(), pointer, secret);
        if (pointer[0] !== undefined) runnerFields.add(pointer[0]);
        return secret;
      },
      exchange,
      sources.secret,
    );
  }
  const search = new URLSearchParams(exchange.query).toString();
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(exchange.path[name]!));
  exchange.url = `${baseUrl.replace(/\/$/, '')}${path}${search ? `?${search}` : ''}`;
  exchange.body = body;
  const isJson = media === undefined || media.type.includes('json');
  const bodyText = body === undefined ? undefined : isJson || typeof body !== 'string' ? JSON.stringify(body) : body;
  const contentType = bodyText === undefined ? undefined : media?.type === undefined || media.type.includes('*') ? 'application/json' : media.type;
  if (contentType) exchange.headers['content-type'] = contentType;
  return { exchange, bodyText, contentType, callbacks, runnerFields };
}

