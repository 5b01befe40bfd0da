/**
 * Unknown properties in request bodies are ignored: every write that carries one (top level and nested) succeeds, the
 * answer does not echo it, no later read returns it, no callback carries it, and no table of the database holds it.
 */
import { dereference } from '@readme/openapi-parser';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

/** The name every unknown property carries, so that one search finds any that survived. */
const MARK = 'zzUnknownProperty';

/** An unknown property with a nested value, as a hostile or newer client would send it. */
const junk = (): Record<string, unknown> => ({ [MARK]: { nested: [1, 2, 3], [`${MARK}Inner`]: true } });

let t: TestServer;
let receiver: RecordingReceiver;


/** Sends `body` as JSON with the demo key (raw fetch: the SDK's types would not let unknown properties through). */
async function send(method: 'POST' | 'PUT', path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Asserts that no unknown property survived anywhere in `value`. */
function expectClean(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(MARK);
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Polls `read` until `done` holds (at most 400 × 25 ms). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition never held');
}

type Schema = Record<string, any>;

/**
 * What keeps an object schema of a request body from dropping exactly the unknown properties: each object with
 * `properties` declares `additionalProperties: false` (the validators remove what it does not list), a free-form object
 * says so with `additionalProperties: true`, and no composition branch lists properties of its own (a branch's
 * `additionalProperties: false` would remove its siblings' properties).
 */
function schemaProblems(schema: Schema, at: string, inBranch = false): string[] {
  const problems: string[] = [];
  const isObject = schema.type === 'object' || schema.properties !== undefined;
  if (isObject && schema.properties !== undefined && schema.additionalProperties !== false) problems.push(`${at}: lists properties without additionalProperties: false`);
  if (isObject && schema.properties === undefined && schema.additionalProperties !== true) problems.push(`${at}: a free-form object must say additionalProperties: true`);
  if (inBranch && schema.properties !== undefined) problems.push(`${at}: a composition branch lists properties`);
  for (const [name, child] of Object.entries<Schema>(schema.properties ?? {})) problems.push(...schemaProblems(child, `${at}.${name}`));
  if (schema.items) problems.push(...schemaProblems(schema.items, `${at}[]`));
  if (typeof schema.additionalProperties === 'object') problems.push(...schemaProblems(schema.additionalProperties, `${at}.*`));
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    (schema[keyword] ?? []).forEach((branch: Schema, i: number) => problems.push(...schemaProblems(branch, `${at}.${keyword}[${i}]`, true)));
  }
  for (const keyword of ['if', 'then', 'else', 'not']) if (schema[keyword]) problems.push(...schemaProblems(schema[keyword], `${at}.${keyword}`, true));
  return problems;
}

describe('the spec closes every request body', () => {
  it('every object in every request body lists its properties with additionalProperties: false, or says it is free-form', async () => {
    const spec = (await dereference(loadSpec() as never)) as Schema;
    const problems: string[] = [];
    let bodies = 0;
    for (const [path, item] of Object.entries<Schema>(spec.paths)) {
      for (const method of ['post', 'put', 'patch', 'delete']) {
        const schema = item[method]?.requestBody?.content?.['application/json']?.schema;
        if (!schema) continue;
        bodies += 1;
        problems.push(...schemaProblems(schema, `${method.toUpperCase()} ${path}`));
      }
    }
    expect(bodies).toBeGreaterThanOrEqual(18);
    expect(problems).toEqual([]);
  });
});

describe('unknown properties in request bodies are ignored', () => {
  beforeAll(async () => {
    t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
    receiver = await RecordingReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  it('SSIDs: top level and in dot11w; a response-only `number` is ignored too', async () => {
    const networkId = t.demo.networkIds[0]!;
    const put = await send('PUT', `/api/v1/networks/${networkId}/wireless/ssids/2`, {
      name: 'Clean',
      number: 9,
      dot11w: { enabled: true, ...junk() },
      ...junk(),
    });
    expect(put.status).toBe(200);
    expectClean(put.json);
    expect(put.json).toMatchObject({ number: 2, name: 'Clean', dot11w: { enabled: true } });
    expect(put.json.dot11w).toEqual({ enabled: true });
    const read = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId, number: 2 } });
    expect(read.data).toEqual(put.json);
    const nine = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId, number: 9 } });
    expect(nine.data!.name).toBe('Unconfigured SSID 10');
  });

  it('networks: create and update, with response-only `id` and `organizationId` ignored', async () => {
    const created = await send('POST', `/api/v1/organizations/${t.demo.organizationId}/networks`, {
      name: 'Unknowns',
      productTypes: ['wireless'],
      id: 'N_1',
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    const networkId = created.json.id as string;
    expect(networkId).not.toBe('N_1');
    const updated = await send('PUT', `/api/v1/networks/${networkId}`, { notes: 'n', organizationId: t.other.organizationId, ...junk() });
    expect(updated.status).toBe(200);
    expectClean(updated.json);
    const read = await sdk.getNetwork({ client: t.client, path: { networkId } });
    expect(read.data).toMatchObject({ id: networkId, organizationId: t.demo.organizationId, notes: 'n' });
    expectClean(read.data);
  });

  it('devices: update, with response-only `serial` and `model` ignored', async () => {
    const serial = 'Q2MR-DEMO-0003';
    const before = (await sdk.getDevice({ client: t.client, path: { serial } })).data!;
    const put = await send('PUT', `/api/v1/devices/${serial}`, { notes: 'unknowns', serial: 'Q2XX-0000-0000', model: 'MX1', ...junk() });
    expect(put.status).toBe(200);
    expectClean(put.json);
    const read = (await sdk.getDevice({ client: t.client, path: { serial } })).data!;
    expect(read).toEqual({ ...before, notes: 'unknowns' });
  });

  it('HTTP servers: create and update, top level and in payloadTemplate', async () => {
    const networkId = t.demo.networkIds[0]!;
    const url = `${receiver.url}/unknown-server`;
    const created = await send('POST', `/api/v1/networks/${networkId}/webhooks/httpServers`, {
      name: 'Unknowns',
      url,
      payloadTemplate: { payloadTemplateId: 'wpt_00005', ...junk() },
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    const httpServerId = created.json.id as string;
    const updated = await send('PUT', `/api/v1/networks/${networkId}/webhooks/httpServers/${encodeURIComponent(httpServerId)}`, {
      name: 'Renamed',
      id: 'other',
      payloadTemplate: { payloadTemplateId: 'wpt_00001', ...junk() },
      ...junk(),
    });
    expect(updated.status).toBe(200);
    expectClean(updated.json);
    const read = await sdk.getNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId } });
    expect(read.data).toEqual({ id: httpServerId, name: 'Renamed', url, networkId, payloadTemplate: { payloadTemplateId: 'wpt_00001', name: 'Meraki (included)' } });
  });

  it('payload templates: create and update, top level, in headers and in the Base64 headers file', async () => {
    const networkId = t.demo.networkIds[0]!;
    const created = await send('POST', `/api/v1/networks/${networkId}/webhooks/payloadTemplates`, {
      name: 'Unknowns',
      body: '{"a":"{{alertType}}"}',
      headers: [{ name: 'X-One', template: '1', ...junk() }],
      payloadTemplateId: 'wpt_1',
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    const payloadTemplateId = created.json.payloadTemplateId as string;
    expect(payloadTemplateId).not.toBe('wpt_1');
    expect(created.json.headers).toEqual([{ name: 'X-One', template: '1' }]);

    const updated = await send('PUT', `/api/v1/networks/${networkId}/webhooks/payloadTemplates/${payloadTemplateId}`, {
      bodyFile: base64('{"b":"{{alertType}}"}'),
      headersFile: base64(JSON.stringify([{ name: 'X-Two', template: '2', ...junk() }])),
      type: 'included',
      ...junk(),
    });
    expect(updated.status).toBe(200);
    expectClean(updated.json);
    const read = await sdk.getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId } });
    expect(read.data).toMatchObject({ payloadTemplateId, type: 'custom', name: 'Unknowns', body: '{"b":"{{alertType}}"}', headers: [{ name: 'X-Two', template: '2' }] });
    expectClean(read.data);
  });

  it('action batches: top level, in actions[], in each action body (nested too) and in callback; the changed resources stay clean', async () => {
    const [net1, net2] = t.demo.networkIds as [string, string];
    const orgPath = `/api/v1/organizations/${t.demo.organizationId}/actionBatches`;
    const created = await send('POST', orgPath, {
      confirmed: true,
      synchronous: true,
      actions: [
        { resource: `/networks/${net1}/wireless/ssids/4`, operation: 'update', body: { name: 'Batched', dot11r: { enabled: true, ...junk() }, ...junk() }, ...junk() },
        { resource: `/networks/${net2}`, operation: 'update', body: { notes: 'batched', ...junk() } },
        { resource: `/organizations/${t.demo.organizationId}/networks`, operation: 'create', body: { name: 'Batch-made', productTypes: ['wireless'], ...junk() } },
      ],
      callback: { url: `${receiver.url}/unknown-batch`, payloadTemplate: { id: 'wpt_00005', ...junk() }, ...junk() },
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    expect(created.json.status).toMatchObject({ completed: true, failed: false });
    expect(created.json.actions[0]).toEqual({ resource: `/networks/${net1}/wireless/ssids/4`, operation: 'update', body: { name: 'Batched', dot11r: { enabled: true } } });

    const read = await sdk.getOrganizationActionBatch({ client: t.client, path: { organizationId: t.demo.organizationId, actionBatchId: created.json.id } });
    expect(read.data!.actions).toEqual(created.json.actions);
    expectClean(read.data);
    const ssid = (await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId: net1, number: 4 } })).data!;
    expect(ssid).toMatchObject({ name: 'Batched', dot11r: { enabled: true } });
    expectClean(ssid);
    const network = (await sdk.getNetwork({ client: t.client, path: { networkId: net2 } })).data!;
    expect(network.notes).toBe('batched');
    expectClean(network);
    const made = created.json.status.createdResources[0].id as string;
    expectClean((await sdk.getNetwork({ client: t.client, path: { networkId: made } })).data);

    const callback = (await receiver.waitOn('/unknown-batch'))[0]!;
    expect(JSON.parse(callback.body).message.actions).toEqual(created.json.actions);
    expectClean(callback.body);
  });

  it('action batches: an unconfirmed batch confirmed by a PUT with unknowns; a destroy action drops its whole body', async () => {
    const orgPath = `/api/v1/organizations/${t.demo.organizationId}/actionBatches`;
    const target = await send('POST', `/api/v1/organizations/${t.demo.organizationId}/networks`, { name: 'To destroy', productTypes: ['switch'] });
    const created = await send('POST', orgPath, {
      actions: [
        { resource: `/networks/${t.demo.networkIds[1]}/wireless/ssids/5`, operation: 'update', body: { enabled: true, ...junk() } },
        { resource: `/networks/${target.json.id}`, operation: 'destroy', body: junk() },
      ],
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    expect(created.json.actions[1]).toEqual({ resource: `/networks/${target.json.id}`, operation: 'destroy', body: {} });
    const confirmed = await send('PUT', `${orgPath}/${created.json.id}`, { confirmed: true, status: { completed: true }, ...junk() });
    expect(confirmed.status).toBe(200);
    expectClean(confirmed.json);
    const done = await until(
      async () => (await sdk.getOrganizationActionBatch({ client: t.client, path: { organizationId: t.demo.organizationId, actionBatchId: created.json.id } })).data!,
      (batch) => batch.status.completed || batch.status.failed,
    );
    expect(done.status).toMatchObject({ completed: true, failed: false });
    expectClean(done);
    const ssid = (await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId: t.demo.networkIds[1]!, number: 5 } })).data!;
    expect(ssid.enabled).toBe(true);
    expectClean(ssid);
  });

  it('live tool jobs: top level and in callback (and its payloadTemplate); the job, its GET and its callback stay clean', async () => {
    const serial = 'Q2MR-DEMO-0003';
    const created = await send('POST', `/api/v1/devices/${serial}/liveTools/ping`, {
      target: '8.8.8.8',
      count: 1,
      callback: { url: `${receiver.url}/unknown-ping`, sharedSecret: 's', payloadTemplate: { id: 'wpt_00005', ...junk() }, ...junk() },
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    expect(created.json.request).toEqual({ serial, target: '8.8.8.8', count: 1 });
    const callback = (await receiver.waitOn('/unknown-ping'))[0]!;
    expectClean(callback.body);
    const read = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: created.json.pingId } });
    expect(read.data!.request).toEqual(created.json.request);
    expectClean(read.data);

    // An operation whose body is optional, sent with nothing but unknowns.
    const arp = await send('POST', `/api/v1/devices/Q2MS-DEMO-0002/liveTools/arpTable`, junk());
    expect(arp.status).toBe(201);
    expectClean(arp.json);
  });

  it('dongle commands: execute (kwarg stays free-form) and execute_raw; the job and the debug view stay clean', async () => {
    const { data: dongles } = await sdk.dongleDevicesList({ client: t.client });
    const online = dongles!.find((d) => d.display.includes('answers at once'))!;
    const executed = await send('POST', `/dongle/devices/${online.id}/execute/`, {
      command: 'test.ping',
      kwarg: { free: 'form' },
      callback_url: `${receiver.url}/unknown-execute`,
      ...junk(),
    });
    expect(executed.status).toBe(200);
    expectClean(executed.json);
    const raw = await send('POST', `/dongle/devices/${online.id}/execute_raw/`, { command: 'test.ping', callback_url: `${receiver.url}/unknown-raw`, ...junk() });
    expect(raw.status).toBe(200);
    expectClean(raw.json);
    for (const [path, jid] of [['/unknown-execute', executed.json.jid], ['/unknown-raw', raw.json.jid]] as const) {
      expectClean((await receiver.waitOn(path))[0]!.body);
      const job = await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: online.id, jid } });
      expect(job.response.status).toBe(200);
      expectClean(job.data);
      const debug = await sdk.dongleDevicesCallbackRead({ client: t.client, path: { id: online.id, jid } });
      expectClean(debug.data);
    }
  });

  it('webhook tests: the test, its status and the webhook sent stay clean', async () => {
    const networkId = t.demo.networkIds[0]!;
    const created = await send('POST', `/api/v1/networks/${networkId}/webhooks/webhookTests`, {
      url: `${receiver.url}/unknown-test`,
      payloadTemplateId: 'wpt_00001',
      id: '1',
      ...junk(),
    });
    expect(created.status).toBe(201);
    expectClean(created.json);
    expect(created.json.id).not.toBe('1');
    expectClean((await receiver.waitOn('/unknown-test'))[0]!.body);
    const read = await until(
      async () => (await sdk.getNetworkWebhooksWebhookTest({ client: t.client, path: { networkId, webhookTestId: created.json.id } })).data!,
      (test) => test.status === 'delivered',
    );
    expectClean(read);
  });

  it('SSID settings stored with unknowns (before they were dropped) are hidden on read and dropped by the next update', async () => {
    const networkId = t.demo.networkIds[0]!;
    const db = t.server.ctx.db;
    const where = { network_id: networkId, number: 6 };
    const row = await db.selectFrom('ssids').select('settings').where('network_id', '=', where.network_id).where('number', '=', where.number).executeTakeFirstOrThrow();
    await db
      .updateTable('ssids')
      .set({ settings: JSON.stringify({ ...row.settings, ...junk() }) })
      .where('network_id', '=', where.network_id)
      .where('number', '=', where.number)
      .execute();
    const read = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId, number: 6 } });
    expect(read.data!.name).toBe('Unconfigured SSID 7');
    expectClean(read.data);
    const put = await send('PUT', `/api/v1/networks/${networkId}/wireless/ssids/6`, { enabled: true });
    expect(put.status).toBe(200);
    const stored = await db.selectFrom('ssids').select('settings').where('network_id', '=', where.network_id).where('number', '=', where.number).executeTakeFirstOrThrow();
    expectClean(stored.settings);
    expect(stored.settings).toMatchObject({ name: 'Unconfigured SSID 7', enabled: true });
  });

  it('no table of the database holds any of the unknown properties sent above', async () => {
    const db = t.server.ctx.db;
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
    expect(tables.rows.length).toBeGreaterThan(5);
    for (const { table_name } of tables.rows) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db);
      const text = JSON.stringify(rows.rows, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
      expect(text, table_name).not.toContain(MARK);
    }
  });
});
