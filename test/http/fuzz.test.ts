/**
 * Spec-driven fuzz: for every operation in the bundled spec, a valid base request (sampled from its schemas with
 * openapi-sampler, then given the demo data's ids) and at least 40 mutations of it (fast-check, fixed seed). No answer
 * may be a 5xx, and every 4xx must be `{"errors": [non-empty strings]}`. Only the loopback test server is called, and
 * every URL a body carries is rewritten to a local recording receiver, so callbacks go nowhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sample } from 'openapi-sampler';
import { request } from 'undici';
import type { OpenAPIV3_1 } from 'openapi-types';
import { loadSpec } from '../../src/spec/load-spec.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';
import { RecordingReceiver } from '../support/recording-receiver.js';

/** The fixed seed: a failure reproduces with the same requests. */
const SEED = 20261201;
/** Requests per mutation kind and operation: two, except for the kinds that mostly run a handler to success (43 per operation). */
const PER_KIND = 2;
const ONCE = new Set(['valid', 'wrongContentType', 'otherMethod', 'auth', 'queryDuplicate']);
/** Requests in flight at once. */
const IN_FLIGHT = 4;
/** Most time any one request may take, in milliseconds. */
const REQUEST_TIMEOUT_MS = 10_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON literal sent as written (`1e400`), which JSON.stringify could not produce. */
class RawLiteral {
  constructor(readonly text: string) {}
}

/** One request as sent, enough to replay it with curl. */
interface FuzzRequest {
  operation: string;
  kind: string;
  method: string;
  /** Path and query string, already percent-encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Property names the mutation added to the body, to see whether a success stores or echoes them. */
  extraKeys?: string[];
}

/** An operation of the spec and what is needed to build requests for it. */
interface Operation {
  name: string;
  method: string;
  template: string;
  pathParams: string[];
  query: { name: string; schema: OpenAPIV3_1.SchemaObject }[];
  body: Json | undefined;
  bodyRequired: boolean;
}

const spec = loadSpec();

function deref<T>(value: unknown): T {
  let current = value;
  while (typeof current === 'object' && current !== null && '$ref' in current) {
    const parts = String((current as { $ref: string }).$ref).slice(2).split('/');
    current = parts.reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], spec);
  }
  return current as T;
}

/** Every operation of the spec, with a body sampled from its schema (openapi-sampler). */
function operations(): Operation[] {
  const found: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item?.[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref<OpenAPIV3_1.ParameterObject>(p));
      const requestBody = op.requestBody ? deref<OpenAPIV3_1.RequestBodyObject>(op.requestBody) : undefined;
      const schema = requestBody?.content?.['application/json']?.schema;
      found.push({
        name: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: deref<OpenAPIV3_1.SchemaObject>(p.schema) })),
        body: schema ? (sample(schema as never, { skipReadOnly: true }, spec) as Json) : undefined,
        bodyRequired: requestBody?.required === true,
      });
    }
  }
  return found;
}

let t: TestServer;
let receiver: RecordingReceiver;
/** Valid values for each path parameter, keyed by parameter name (and by tool for job ids). */
const ids: Record<string, string> = {};

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await request(`${t.url}${url}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${DEMO_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

/** Creates one of each resource so that requests with valid ids reach the handlers. */
async function createDemoResources(): Promise<void> {
  const org = t.demo.organizationId;
  const net = t.demo.networkIds[0]!;
  ids.organizationId = org;
  ids.networkId = net;
  ids.number = '0';
  ids.serial = 'Q2MR-DEMO-0003';
  const dongle = await t.server.ctx.db.selectFrom('devices').select('dongle_id').where('serial', '=', 'Q2AP-DEMO-0101').executeTakeFirstOrThrow();
  ids.dongle = dongle.dongle_id!;
  const callback = { url: `${receiver.url}/created` };
  const created = async (method: string, url: string, body: unknown, pick: (json: Record<string, unknown>) => unknown) => {
    const res = await call(method, url, body);
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.json)}`).toBeLessThan(300);
    return String(pick(res.json as Record<string, unknown>));
  };
  ids.deletableNetwork = await created('POST', `/api/v1/organizations/${org}/networks`, { name: 'To delete', productTypes: ['wireless'] }, (j) => j.id);
  ids.httpServerId = await created('POST', `/api/v1/networks/${net}/webhooks/httpServers`, { name: 'Fuzz receiver', url: `${receiver.url}/server` }, (j) => j.id);
  ids.payloadTemplateId = await created('POST', `/api/v1/networks/${net}/webhooks/payloadTemplates`, { name: 'Fuzz', body: '{"a": "{{alertType}}"}' }, (j) => j.payloadTemplateId);
  ids.actionBatchId = await created('POST', `/api/v1/organizations/${org}/actionBatches`, { actions: [{ resource: `/networks/${net}`, operation: 'update', body: { notes: 'fuzz' } }] }, (j) => j.id);
  ids.webhookTestId = await created('POST', `/api/v1/networks/${net}/webhooks/webhookTests`, { url: `${receiver.url}/test` }, (j) => j.id);
  const ping = await call('POST', '/api/v1/devices/Q2MX-DEMO-0001/liveTools/ping', { target: '10.0.1.1', count: 1, callback });
  const job = ping.json as { pingId: string; callback: { id: string } };
  ids['ping:id'] = job.pingId;
  ids.callbackId = job.callback.id;
  ids['pingDevice:id'] = await created('POST', '/api/v1/devices/Q2MR-DEMO-0003/liveTools/pingDevice', { count: 1 }, (j) => j.pingId);
  ids.arpTableId = await created('POST', '/api/v1/devices/Q2MS-DEMO-0002/liveTools/arpTable', {}, (j) => j.arpTableId);
  ids['cableTest:id'] = await created('POST', '/api/v1/devices/Q2MS-DEMO-0002/liveTools/cableTest', { ports: ['1'] }, (j) => j.cableTestId);
  ids.wakeOnLanId = await created('POST', '/api/v1/devices/Q2MS-DEMO-0002/liveTools/wakeOnLan', { vlanId: 1, mac: '00:11:22:33:44:55' }, (j) => j.wakeOnLanId);
  ids.jid = await created('POST', `/dongle/devices/${ids.dongle}/execute/`, { command: 'test.ping', callback_url: `${receiver.url}/dongle` }, (j) => j.jid);
}

/** The demo value for a path parameter of an operation. */
function pathValue(op: Operation, name: string): string {
  if (name === 'id' && op.template.startsWith('/dongle/')) return ids.dongle!;
  const tool = /\/liveTools\/([A-Za-z]+)/.exec(op.template)?.[1];
  if (name === 'id' && tool) return ids[`${tool}:id`]!;
  if (name === 'serial' && tool) return tool === 'ping' ? 'Q2MX-DEMO-0001' : tool === 'pingDevice' ? 'Q2MR-DEMO-0003' : 'Q2MS-DEMO-0002';
  // Deleting the network everything else uses would leave the rest of the run with nothing to reach.
  if (name === 'networkId' && op.name === 'DELETE /api/v1/networks/{networkId}') return ids.deletableNetwork!;
  return ids[name] ?? '1';
}

/** Demo values for sampled body fields whose schema sample ("string", example.com) the server would refuse or send to. */
function demoBody(value: Json, key = ''): Json {
  if (typeof value === 'string') {
    // Every URL points at the local receiver: no request ever leaves loopback.
    if (/url$/i.test(key) || value.includes('://')) return `${receiver.url}/fuzz`;
    const known: Record<string, string> = {
      target: '10.0.1.1',
      mac: '0c:8d:db:00:00:03',
      timeZone: 'Europe/Paris',
      resource: `/networks/${ids.networkId}`,
      operation: 'update',
      command: 'test.ping',
      payloadTemplateId: 'wpt_00001',
      id: 'wpt_00005',
      psk: 'correct horse battery',
      authMode: 'psk',
      encryptionMode: 'wpa',
      body: '{"a": 1}',
    };
    return known[key] ?? value;
  }
  if (Array.isArray(value)) return key === 'ports' ? ['1'] : value.map((v) => demoBody(v, key));
  if (value && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      // A callback names a URL or an HTTP server, not both; a payload template has a body or a file, not both.
      if (k === 'httpServer' || k === 'bodyFile' || k === 'headersFile' || k === 'payloadTemplateName') continue;
      // A payload template named by id need not repeat its name (the sample's "string" would not match it).
      if (key === 'payloadTemplate' && k === 'name') continue;
      out[k] = demoBody(v, k);
    }
    return out;
  }
  return value;
}

/** Every location in a JSON value, as key paths, with the value found there. */
function locations(value: Json, path: (string | number)[] = []): { path: (string | number)[]; value: Json }[] {
  const here = path.length > 0 ? [{ path, value }] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => locations(v, [...path, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => locations(v, [...path, k]))];
  return here;
}

/** A copy of `body` with the value at `path` replaced (or removed, for `undefined`). */
function withValue(body: Json, path: (string | number)[], value: Json | RawLiteral | undefined): Json {
  const copy = structuredClone(body) as Json;
  let node = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** JSON text with RawLiteral values written as they are. */
function serialize(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof RawLiteral) {
      raws.push(value.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return value;
  });
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}

/** Percent-encodes a path or query value; a lone surrogate (which encodeURIComponent refuses) as its would-be UTF-8 bytes. */
function encode(text: string): string {
  return [...text]
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      if (code >= 0xd800 && code <= 0xdfff) return `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
      return encodeURIComponent(ch);
    })
    .join('');
}

/** The pieces a mutation changes; `build` turns them into a request. */
interface Draft {
  method: string;
  segments: string[];
  query: [string, string][];
  headers: Record<string, string>;
  body: unknown;
  /** Raw body text, when the mutation writes it itself (malformed JSON). */
  rawBody?: string;
  extraKeys?: string[];
}

function baseDraft(op: Operation): Draft {
  const segments = op.template
    .split('/')
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment)?.[1];
      return param ? encode(pathValue(op, param)) : segment;
    });
  const body = op.body === undefined ? undefined : demoBody(op.body);
  return {
    method: op.method,
    segments,
    query: [],
    headers: { authorization: `Bearer ${DEMO_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  };
}

function build(op: Operation, kind: string, draft: Draft): FuzzRequest {
  const query = draft.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const body = draft.rawBody ?? (draft.body === undefined ? undefined : serialize(draft.body));
  return {
    operation: op.name,
    kind,
    method: draft.method,
    url: draft.segments.join('/') + (query ? `?${query}` : ''),
    headers: body !== undefined ? draft.headers : Object.fromEntries(Object.entries(draft.headers).filter(([k]) => k !== 'content-type')),
    ...(body !== undefined ? { body } : {}),
    ...(draft.extraKeys ? { extraKeys: draft.extraKeys } : {}),
  };
}

// Generators of hostile values.
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const hugeString = fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }).map((s) => s.repeat(Math.ceil(60_000 / s.length)));
const unicodeString = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' });
const grapheme = fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' });
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'a\ud83d', '\ude00b');
const withNul = fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\u0000${b}`);
const rawNumber = fc.constantFrom('1e400', '-1e400', '1e308', '9007199254740993', '-0', '1E2', '123456789012345678901234567890', '0.0000001', '-2147483649', '4294967296');
const numberText = fc.constantFrom('1e400', '-1e400', '1e3', '1E2', '0x10', '9999999999999999999', '-1', '0', '1.5', 'NaN', 'Infinity', ' 3', '', '+5', '1_000', '٣');
const idText = fc.constantFrom('9999999999999999999', '9223372036854775808', '9223372036854775807', '18446744073709551616', '0', '-1', '00000000000000000001', '1e3', '1.0', 'x'.repeat(300), 'wpt_', 'N_1', '%', ' ');
const extraFields = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), anyValue, { minKeys: 1, maxKeys: 4 });

/** What a mutation kind does to a draft; each gets a fast-check arbitrary of the values it needs. */
const kinds: Record<string, (op: Operation, draft: Draft) => fc.Arbitrary<Draft>> = {
  valid: (_op, d) => fc.constant(d),
  bodyWrongType: (op, d) => fc.tuple(fc.nat(), anyValue).map(([i, v]) => onBodyLocation(op, d, i, () => v)),
  bodyMissingField: (op, d) => fc.nat().map((i) => onBodyLocation(op, d, i, () => undefined)),
  bodyHugeString: (op, d) => fc.tuple(fc.nat(), hugeString).map(([i, v]) => onBodyLocation(op, d, i, () => v, true)),
  bodyUnicode: (op, d) => fc.tuple(fc.nat(), fc.oneof(unicodeString, grapheme)).map(([i, v]) => onBodyLocation(op, d, i, () => v, true)),
  bodyNul: (op, d) => fc.tuple(fc.nat(), withNul).map(([i, v]) => onBodyLocation(op, d, i, () => v, true)),
  bodyLoneSurrogate: (op, d) => fc.tuple(fc.nat(), loneSurrogate).map(([i, v]) => onBodyLocation(op, d, i, () => v, true)),
  bodyNumber: (op, d) => fc.tuple(fc.nat(), rawNumber).map(([i, v]) => onBodyLocation(op, d, i, () => new RawLiteral(v))),
  bodyExtraFields: (op, d) =>
    fc.tuple(fc.nat(), extraFields).map(([i, extra]) => {
      const objects = locations((d.body ?? {}) as Json).filter((l) => l.value && typeof l.value === 'object' && !Array.isArray(l.value));
      const target = objects.length > 0 && i % 2 === 1 ? objects[i % objects.length]! : undefined;
      const body = target ? withValue(d.body as Json, target.path, { ...(target.value as object), ...extra }) : { ...((d.body ?? {}) as object), ...extra };
      return { ...d, body, headers: { ...d.headers, 'content-type': 'application/json' }, extraKeys: Object.keys(extra) };
    }),
  bodyDeep: (_op, d) =>
    fc.tuple(fc.integer({ min: 20, max: 50_000 }), fc.boolean()).map(([depth, arrays]) => ({
      ...d,
      headers: { ...d.headers, 'content-type': 'application/json' },
      rawBody: arrays ? `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    })),
  malformedJson: (_op, d) =>
    fc
      .constantFrom('{', '{"a":', "{'a':1}", '[1,]', '{"a":1}}', 'nul', '\ufeff{}', '{"a":"\\x00"}', '{"a":"\\ud800"}', '"\\u0000"', '{"__proto__":{"x":1}}', '{"a":01}', '')
      .map((text) => ({ ...d, headers: { ...d.headers, 'content-type': 'application/json' }, rawBody: text })),
  wrongContentType: (_op, d) =>
    fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json', '')
      .map((type) => ({ ...d, headers: { ...d.headers, 'content-type': type }, rawBody: d.body === undefined ? 'a=1' : serialize(d.body) })),
  bodyNotObject: (_op, d) =>
    fc.constantFrom('null', '[]', '""', '0', 'true', '[{}]', '"x"').map((text) => ({ ...d, headers: { ...d.headers, 'content-type': 'application/json' }, rawBody: text })),
  pathId: (op, d) =>
    fc.tuple(fc.nat(), fc.oneof(idText, withNul, loneSurrogate, unicodeString)).map(([i, v]) => {
      const params = op.template.split('/').flatMap((s, index) => (/^\{.+\}$/.test(s) ? [index] : []));
      if (params.length === 0) return { ...d, segments: [...d.segments, encode(v)] };
      const segments = [...d.segments];
      segments[params[i % params.length]!] = encode(v);
      return { ...d, segments };
    }),
  pathShape: (_op, d) =>
    fc.constantFrom('upper', 'double-slash', 'trailing', 'trailing-double', 'dot', 'encoded-slash').map((shape) => {
      const path = d.segments.join('/');
      const segments =
        shape === 'upper' ? path.toUpperCase().split('/')
        : shape === 'double-slash' ? path.replace(/\/([^/]*)$/, '//$1').split('/')
        : shape === 'trailing' ? [...d.segments, '']
        : shape === 'trailing-double' ? [...d.segments, '', '']
        : shape === 'dot' ? [...d.segments.slice(0, -1), '.', '..', d.segments.at(-1)!]
        : [...d.segments.slice(0, -1), `${d.segments.at(-1)}%2F..%2F`];
      return { ...d, segments };
    }),
  longPath: (_op, d) =>
    fc.tuple(fc.integer({ min: 100, max: 7000 }), fc.boolean()).map(([length, many]) => ({
      ...d,
      segments: many ? [...d.segments, ...Array.from({ length: Math.floor(length / 2) }, () => 'a')] : [...d.segments.slice(0, -1), 'x'.repeat(length)],
    })),
  queryNumbers: (op, d) =>
    fc.tuple(fc.nat(), numberText).map(([i, v]) => {
      const numeric = op.query.filter((q) => q.schema.type === 'integer' || q.schema.type === 'number');
      const name = numeric.length > 0 ? numeric[i % numeric.length]!.name : 'perPage';
      return { ...d, query: [...d.query, [name, v]] };
    }),
  queryWrongType: (op, d) =>
    fc.tuple(fc.nat(), fc.constantFrom('[]', '[0]', '[a][b]', '[__proto__]', ''), fc.string({ maxLength: 10 })).map(([i, suffix, v]) => {
      const name = op.query.length > 0 ? op.query[i % op.query.length]!.name : 'perPage';
      return { ...d, query: [...d.query, [`${name}${suffix}`, v]] };
    }),
  queryDuplicate: (op, d) =>
    fc.tuple(fc.nat(), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([i, a, b]) => {
      const name = op.query.length > 0 ? op.query[i % op.query.length]!.name : 'perPage';
      return { ...d, query: [...d.query, [name, a], [name, b], [name, '3']] };
    }),
  queryUnknownOrLong: (_op, d) =>
    fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 8000 }), fc.boolean()).map(([name, length, many]) => ({
      ...d,
      query: many ? Array.from({ length: Math.min(length, 1500) }, (_, i): [string, string] => [`${name}${i}`, 'x']) : [[name, 'y'.repeat(length)]],
    })),
  queryText: (op, d) =>
    fc.tuple(fc.nat(), fc.oneof(withNul, loneSurrogate, unicodeString, hugeString.map((s) => s.slice(0, 6000)))).map(([i, v]) => {
      const name = op.query.length > 0 ? op.query[i % op.query.length]!.name : 'q';
      return { ...d, query: [...d.query, [i % 5 === 0 ? v : name, v]] };
    }),
  queryIds: (op, d) =>
    fc.tuple(fc.constantFrom('startingAfter', 'endingBefore', 'networkIds[]', 'networkIds', 'serials[]'), idText).map(([name, v]) => {
      // Only parameters this operation has: an unknown one is refused before any id is read.
      const known = op.query.some((q) => q.name === name.replace('[]', ''));
      return { ...d, query: [...d.query, [known ? name : 'startingAfter', v]] };
    }),
  auth: (_op, d) =>
    fc
      .constantFrom('none', 'wrong', 'empty', 'basic', 'meraki-header', 'long')
      .map((how) => {
        const { authorization: _, ...rest } = d.headers;
        const headers =
          how === 'none' ? rest
          : how === 'wrong' ? { ...rest, authorization: `Bearer ${'c'.repeat(40)}` }
          : how === 'empty' ? { ...rest, authorization: 'Bearer ' }
          : how === 'basic' ? { ...rest, authorization: 'Basic dXNlcjpwYXNz' }
          : how === 'meraki-header' ? { ...rest, 'x-cisco-meraki-api-key': DEMO_KEY }
          : { ...rest, authorization: `Bearer ${'k'.repeat(6000)}` };
        return { ...d, headers };
      }),
  otherMethod: (_op, d) => fc.constantFrom('PATCH', 'DELETE', 'PUT', 'POST', 'GET', 'OPTIONS', 'HEAD').map((method) => ({ ...d, method })),
};

/** Applies `change` to the i-th location of the body (string locations only when `strings`), or to a new field when there is no body. */
function onBodyLocation(_op: Operation, d: Draft, i: number, change: () => Json | RawLiteral | undefined, strings = false): Draft {
  const body = (d.body ?? {}) as Json;
  const all = locations(body);
  const candidates = strings ? all.filter((l) => typeof l.value === 'string') : all;
  const pool = candidates.length > 0 ? candidates : all;
  const value = change();
  const next = pool.length > 0 ? withValue(body, pool[i % pool.length]!.path, value) : value === undefined ? {} : { field: value as Json };
  return { ...d, body: next, headers: { ...d.headers, 'content-type': 'application/json' } };
}

/** The requests for one operation: every kind, PER_KIND times, each from its own fixed seed. */
function requestsFor(op: Operation, index: number): FuzzRequest[] {
  const base = baseDraft(op);
  return Object.entries(kinds).flatMap(([kind, arbitrary], k) =>
    fc.sample(arbitrary(op, base), { seed: SEED + index * 1000 + k, numRuns: ONCE.has(kind) ? 1 : PER_KIND }).map((draft) => build(op, kind, draft)),
  );
}

/** A curl command that replays the request. */
function curl(req: FuzzRequest): string {
  const headers = Object.entries(req.headers).map(([k, v]) => `-H ${JSON.stringify(`${k}: ${v.length > 100 ? `${v.slice(0, 100)}…` : v}`)}`);
  const body = req.body === undefined ? '' : ` --data-binary ${JSON.stringify(req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body)}`;
  const url = req.url.length > 300 ? `${req.url.slice(0, 300)}… (${req.url.length} chars)` : req.url;
  return `[${req.kind}] curl -X ${req.method} ${headers.join(' ')}${body} '${t.url}${url}'`;
}

/** Why a response breaks the promise, or null when it keeps it. */
function broken(status: number, contentType: string | undefined, text: string, method: string): string | null {
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (status < 400 || method === 'HEAD') return null;
  if (!contentType?.startsWith('application/json')) return `answered ${status} as ${contentType}: ${text.slice(0, 300)}`;
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    const keys = Object.keys(body);
    const ok =
      keys.length === 1 &&
      Array.isArray(body.errors) &&
      body.errors.length > 0 &&
      body.errors.every((e) => typeof e === 'string' && e.length > 0);
    return ok ? null : `answered ${status} with ${text.slice(0, 300)}`;
  } catch {
    return `answered ${status} with non-JSON ${text.slice(0, 300)}`;
  }
}

beforeAll(async () => {
  receiver = await RecordingReceiver.start();
  // Only the receiver's host is allowed beside the guard's defaults (on PostgreSQL loopback is not allowed by default).
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  await createDemoResources();
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

describe('spec-driven fuzz', () => {
  it('answers no 5xx to any mutated request, and every 4xx as {"errors": [...]}', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(48);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const perOperation = new Map<string, number>();
    const echoed: string[] = [];
    /** Operations whose sampled base request is itself refused: their mutations mostly meet the validator, not the handler. */
    const refusedBases: string[] = [];
    const send = async (op: Operation, req: FuzzRequest) => {
      let res;
      try {
        res = await request(`${t.url}${req.url}`, {
          method: req.method as 'GET',
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          headersTimeout: REQUEST_TIMEOUT_MS,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        });
      } catch (err) {
        failures.push(`${curl(req)}\n  → no answer: ${(err as Error).message}`);
        return;
      }
      const text = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      perOperation.set(op.name, (perOperation.get(op.name) ?? 0) + 1);
      if (req.kind === 'valid' && res.statusCode >= 300) refusedBases.push(`${op.name} (${res.statusCode})`);
      // Unknown properties are another rule's business: an echo is counted and named in the summary, not failed.
      const echoedKey = res.statusCode < 300 && req.extraKeys?.find((k) => k.length >= 3 && text.includes(JSON.stringify(k)));
      if (echoedKey) echoed.push(`${req.method} ${op.template} echoed ${JSON.stringify(echoedKey)}`);
      const problem = broken(res.statusCode, res.headers['content-type'] as string | undefined, text, req.method);
      if (problem) failures.push(`${curl(req)}\n  → ${problem}`);
    };
    for (const [index, op] of ops.entries()) {
      const requests = requestsFor(op, index);
      // A few in flight at once: on PostgreSQL the database works beside the server; on PGlite it changes little.
      for (let i = 0; i < requests.length; i += IN_FLIGHT) await Promise.all(requests.slice(i, i + IN_FLIGHT).map((req) => send(op, req)));
    }
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    const counts = [...perOperation.values()];
    console.log(
      `fuzz (${t.database.engine}): ${sent} requests over ${perOperation.size} operations in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `per operation min ${Math.min(...counts)}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ` +
        `unknown properties echoed by ${echoed.length} successes${echoed.length ? `: ${[...new Set(echoed)].join('; ')}` : ''}; ` +
        `base requests refused: ${refusedBases.length ? refusedBases.join(', ') : 'none'}`,
    );
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(40);
    // Callbacks the fuzz caused went to the local receiver only (the guard would have refused anything else).
    expect(receiver.received.every((r) => r.path.startsWith('/'))).toBe(true);
  });
});
