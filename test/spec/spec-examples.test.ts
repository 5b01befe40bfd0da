/**
 * The served spec's examples work out of the box: every operation called with the parameters and body that Swagger UI's
 * "Try it out" pre-fills, against a freshly seeded server, answers 2xx, except the few listed below with their reason.
 */
import { once } from 'node:events';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer } from '../support/child-server.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

type Spec = OpenAPIV3_1.Document;
type Parameter = OpenAPIV3_1.ParameterObject;

/**
 * Operations whose example names what only an earlier call creates (a job, batch, template or test id is the answer of
 * a POST, numbered by the database at that moment), so they answer 404 on a fresh server: expected, with that status.
 */
const EXCEPTIONS: Record<string, { status: number; why: string }> = {
  getDeviceLiveToolsPing: { status: 404, why: 'the job id comes from the POST that starts the job' },
  getDeviceLiveToolsPingDevice: { status: 404, why: 'the job id comes from the POST that starts the job' },
  getDeviceLiveToolsWakeOnLan: { status: 404, why: 'the job id comes from the POST that starts the job' },
  getDeviceLiveToolsArpTable: { status: 404, why: 'the job id comes from the POST that starts the job' },
  getDeviceLiveToolsCableTest: { status: 404, why: 'the job id comes from the POST that starts the job' },
  getOrganizationActionBatch: { status: 404, why: 'the batch id comes from the POST that creates the batch' },
  updateOrganizationActionBatch: { status: 404, why: 'the batch id comes from the POST that creates the batch' },
  deleteOrganizationActionBatch: { status: 404, why: 'the batch id comes from the POST that creates the batch' },
  getNetworkWebhooksPayloadTemplate: { status: 404, why: 'a custom template id comes from the POST that creates it' },
  updateNetworkWebhooksPayloadTemplate: { status: 404, why: 'a custom template id comes from the POST that creates it' },
  deleteNetworkWebhooksPayloadTemplate: { status: 404, why: 'a custom template id comes from the POST that creates it' },
  getNetworkWebhooksWebhookTest: { status: 404, why: 'the test id comes from the POST that sends the test' },
  getOrganizationWebhooksCallbacksStatus: { status: 404, why: 'the callback id comes from the POST that starts the operation' },
  dongle_devices_callback_read: { status: 404, why: 'the job id (jid) comes from the POST that runs the command' },
  dongle_devices_jobs_read: { status: 404, why: 'the job id (jid) comes from the POST that runs the command' },
};

/** The object a `$ref` of the bundled spec points at (or the object itself). */
function deref<T>(spec: Spec, value: T | OpenAPIV3_1.ReferenceObject): T {
  if (value && typeof value === 'object' && '$ref' in value) {
    const target = value.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    return deref(spec, target as T);
  }
  return value as T;
}

/** The value Swagger UI pre-fills for a parameter: its example, else its schema's, else its first named example's. */
function exampleOf(spec: Spec, parameter: Parameter): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const schema = parameter.schema && deref(spec, parameter.schema);
  if (schema && 'example' in schema && schema.example !== undefined) return schema.example;
  const first = Object.values(parameter.examples ?? {})[0];
  return first ? deref<OpenAPIV3_1.ExampleObject>(spec, first).value : undefined;
}

/** One operation as Try it out sends it with the examples as they stand. */
interface ExampleCall {
  operationId: string;
  method: string;
  path: string;
  body: unknown;
}

/** Every operation of `spec` with its pre-filled request; throws for a required parameter that has no example. */
function exampleCalls(spec: Spec): ExampleCall[] {
  const calls: ExampleCall[] = [];
  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of ['post', 'put', 'get', 'delete'] as const) {
      const operation = item?.[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) => deref(spec, p));
      let path = template;
      const query = new URLSearchParams();
      for (const parameter of parameters) {
        const value = exampleOf(spec, parameter);
        if (value === undefined) {
          if (parameter.required) throw new Error(`${operation.operationId}: required ${parameter.in} parameter ${parameter.name} has no example`);
          continue;
        }
        if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
        else if (parameter.in === 'query') query.append(parameter.name, String(value));
      }
      const content = operation.requestBody && deref(spec, operation.requestBody).content['application/json'];
      const body = content?.example ?? (content?.examples ? deref<OpenAPIV3_1.ExampleObject>(spec, Object.values(content.examples)[0]!).value : undefined);
      calls.push({ operationId: operation.operationId!, method: method.toUpperCase(), path: query.size ? `${path}?${query}` : path, body });
    }
  }
  return calls;
}

/** Creating things first, deleting last: POSTs, then PUTs, then GETs (which see what the POSTs made), then DELETEs. */
const ORDER = ['POST', 'PUT', 'GET', 'DELETE'];
/** Within that order: the HTTP server first (pingDevice's example calls back through it), the network's deletion last. */
const FIRST = 'createNetworkWebhooksHttpServer';
const LAST = 'deleteNetwork';

function rank(call: ExampleCall): number {
  if (call.operationId === FIRST) return -1;
  if (call.operationId === LAST) return ORDER.length;
  return ORDER.indexOf(call.method);
}

let t: TestServer;
let spec: Spec;
beforeAll(async () => {
  // No loopback allowance: the examples' callbacks go to the demo's inbox on this server, which the guard always allows.
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '', CALLBACK_ALLOW_PRIVATE: 'false' });
  // The document Swagger UI loads, as served.
  spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as Spec;
});
afterAll(async () => {
  await t?.stop();
});

describe("the spec's examples against the demo data", () => {
  it('name the demo organization, networks, device and dongle that the test server seeds', async () => {
    const parameters = spec.components!.parameters!;
    expect(t.demo.organizationId).toBe(exampleOf(spec, deref(spec, parameters.organizationId!)));
    expect(t.demo.networkIds[0]).toBe(exampleOf(spec, deref(spec, parameters.networkId!)));
    const serial = exampleOf(spec, deref(spec, parameters.serial!));
    const dongleId = exampleOf(spec, deref(spec, parameters.dongleDeviceId!));
    const device = await t.server.ctx.db.selectFrom('devices').select(['organization_id', 'network_id']).where('serial', '=', String(serial)).executeTakeFirstOrThrow();
    expect(device).toEqual({ organization_id: t.demo.organizationId, network_id: t.demo.networkIds[0] });
    const dongle = await t.server.ctx.db.selectFrom('devices').select(['serial']).where('dongle_id', '=', String(dongleId)).executeTakeFirstOrThrow();
    expect(dongle.serial).toBe('Q2AP-DEMO-0101');
  });

  it('succeed when called as Try it out pre-fills them, but for the listed exceptions', async () => {
    const calls = exampleCalls(spec).sort((a, b) => rank(a) - rank(b));
    expect(calls.length).toBeGreaterThan(40);
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    for (const call of calls) {
      const res = await fetch(`${t.url}${call.path}`, {
        method: call.method,
        headers: { Authorization: `Bearer ${DEMO_KEY}`, ...(call.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      });
      const text = await res.text();
      outcomes[call.operationId] = res.status;
      const expected = EXCEPTIONS[call.operationId]?.status;
      const ok = expected !== undefined ? res.status === expected : res.status >= 200 && res.status < 300;
      if (!ok) failures.push(`${call.operationId} ${call.method} ${call.path} → ${res.status} ${text.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    // The live tools start their jobs: 201, as a person trying them sees.
    for (const id of ['createDeviceLiveToolsPing', 'createDeviceLiveToolsPingDevice', 'createDeviceLiveToolsWakeOnLan', 'createDeviceLiveToolsArpTable', 'createDeviceLiveToolsCableTest']) {
      expect([id, outcomes[id]]).toEqual([id, 201]);
    }
    // The examples' callbacks and webhook tests were delivered to the demo's inbox (which the DELETE example then
    // removed, with what it held): the live tools' five at least.
    const delivered = t.server.ctx.db
      .selectFrom('deliveries')
      .select('id')
      .where('url', 'like', `%/inbox/${t.server.seeded!.inboxToken}`)
      .where('status', '=', 'delivered');
    for (let i = 0; i < 150 && (await delivered.execute()).length < 5; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await delivered.execute()).length).toBeGreaterThanOrEqual(5);
    // Every exception is still an operation of the spec (a renamed one would silently stop being checked).
    expect(Object.keys(EXCEPTIONS).filter((id) => !(id in outcomes))).toEqual([]);
  });
});

describe('npm start (src/main.ts) on a fresh database', () => {
  it('seeds the ids the examples name', async () => {
    const main = startChildServer({ SEED_API_KEY: DEMO_KEY });
    try {
      const url = await main.listening;
      const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })).json();
      const parameters = spec.components!.parameters!;
      const organizationId = exampleOf(spec, deref(spec, parameters.organizationId!));
      expect((await get('/api/v1/organizations')).map((o: { id: string }) => o.id)).toEqual([organizationId]);
      const networks = await get(`/api/v1/organizations/${organizationId}/networks`);
      expect(networks.map((n: { id: string }) => n.id)).toEqual(t.demo.networkIds);
      expect(networks[0].id).toBe(exampleOf(spec, deref(spec, parameters.networkId!)));
      const device = await get(`/api/v1/devices/${exampleOf(spec, deref(spec, parameters.serial!))}`);
      expect(device.networkId).toBe(networks[0].id);
      const dongles = await get('/dongle/devices/');
      expect(dongles[0].id).toBe(exampleOf(spec, deref(spec, parameters.dongleDeviceId!)));
    } finally {
      main.child.kill('SIGTERM');
      if (main.child.exitCode === null) await once(main.child, 'exit');
    }
    // A cold start through tsx on a busy 2-core machine takes a while.
  }, 90_000);
});
