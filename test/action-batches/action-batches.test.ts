/** Action batches end to end through the SDK: the seed's example with its callback, atomicity, validation, confirmation, deletion, scoping, concurrency. */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import type { ActionBatch, ActionBatchAction } from '../../generated/client/types.gen.js';
import { sweepExpiredBatches } from '../../src/action-batches/sweep-expired-batches.js';
import { CallbackContracts } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { RecordingReceiver, type Received } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
const contracts = await CallbackContracts.compile(loadSpec());
const secret = 'batch-secret';
const CONTRACT = 'createOrganizationActionBatch.actionBatch';

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

const org = () => ({ organizationId: t.demo.organizationId });

async function create(body: { actions: ActionBatchAction[]; confirmed?: boolean; synchronous?: boolean; callback?: { url: string; sharedSecret?: string } }) {
  return sdk.createOrganizationActionBatch({ client: t.client, path: org(), body });
}

async function ssid(networkId: string, number: number) {
  const { data } = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId, number } });
  return data!;
}

/** Polls the batch until it is no longer pending. */
async function finished(id: string): Promise<ActionBatch> {
  for (let i = 0; i < 400; i += 1) {
    const { data } = await sdk.getOrganizationActionBatch({ client: t.client, path: { ...org(), actionBatchId: id } });
    if (data!.status.completed || data!.status.failed) return data!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`batch ${id} never finished`);
}


/** Checks a received callback (contract, signature) and returns its parsed body. */
function checked(request: Received) {
  const payload = JSON.parse(request.body);
  expect(contracts.check(CONTRACT, payload)).toEqual({ valid: true });
  expect(new Webhook(Buffer.from(secret, 'utf8').toString('base64')).verify(request.body, request.headers as Record<string, string>)).toEqual(payload);
  return payload;
}

describe('action batches', () => {
  it("runs the seed's SSID example asynchronously and calls back with the batch, actionBatchId and results", async () => {
    const [net1, net2] = t.demo.networkIds as [string, string];
    const path = '/seed-example';
    // The seed writes Meraki's v0 SSID path; it means the v1 …/wireless/ssids/{number}.
    const actions: ActionBatchAction[] = [
      { resource: `/networks/${net1}/ssids/0`, operation: 'update', body: { name: 'New SSID Name 1', enabled: true } },
      { resource: `/networks/${net2}/ssids/1`, operation: 'update', body: { name: 'New SSID Name 2', enabled: false } },
    ];
    const created = await create({ confirmed: true, synchronous: false, actions, callback: { url: `${receiver.url}${path}`, sharedSecret: secret } });
    expect(created.response.status).toBe(201);
    const batch = created.data!;
    expect(batch).toEqual({
      id: expect.stringMatching(/^[0-9]+$/),
      organizationId: t.demo.organizationId,
      confirmed: true,
      synchronous: false,
      status: { completed: false, failed: false, errors: [], createdResources: [] },
      actions,
      callback: { id: expect.stringMatching(/^[0-9]+$/), url: `${receiver.url}${path}`, status: 'new' },
    });

    const payload = checked((await receiver.waitOn(path))[0]!);
    expect(payload).toEqual({
      callbackId: batch.callback!.id,
      organization: { id: t.demo.organizationId, name: 'Demo Organization' },
      actionBatchId: batch.id,
      sentAt: expect.any(String),
      message: {
        id: batch.id,
        organizationId: t.demo.organizationId,
        confirmed: true,
        synchronous: false,
        status: { completed: true, failed: false, errors: [], createdResources: [] },
        actions,
        results: {
          actionsCompleted: 2,
          actionsFailed: 0,
          details: [
            { networkId: net1, resource: actions[0]!.resource, operation: 'update', status: 'success' },
            { networkId: net2, resource: actions[1]!.resource, operation: 'update', status: 'success' },
          ],
        },
      },
    });
    // Two networks: the envelope names none.
    expect(payload.network).toBeUndefined();
    expect(await ssid(net1, 0)).toMatchObject({ name: 'New SSID Name 1', enabled: true });
    expect(await ssid(net2, 1)).toMatchObject({ name: 'New SSID Name 2', enabled: false });

    const got = (await finished(batch.id)) as ActionBatch;
    const { callback, ...rest } = got;
    const { results: _results, ...message } = payload.message;
    expect(rest).toEqual(message);
    expect(callback).toMatchObject({ id: batch.callback!.id, url: `${receiver.url}${path}` });
    const status = await sdk.getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { ...org(), callbackId: batch.callback!.id } });
    expect(status.data).toMatchObject({ callbackId: batch.callback!.id, createdBy: { adminId: expect.any(String) } });
  });

  it('runs mixed resources in one synchronous batch, in order, reporting created resources', async () => {
    const networkId = t.demo.networkIds[0]!;
    const template = await sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'Old', body: '{"a": "{{callbackId}}"}' } });
    const doomed = await sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'Doomed', body: '{}' } });
    const templateId = template.data!.payloadTemplateId;
    const actions: ActionBatchAction[] = [
      { resource: `/networks/${networkId}/wireless/ssids/5`, operation: 'update', body: { name: 'Staff', enabled: true, authMode: 'psk', psk: 'correct horse battery' } },
      { resource: '/devices/Q2MR-DEMO-0003', operation: 'update', body: { name: 'Lobby AP', tags: ['lobby'], address: '1 Main St', lat: 37.5, lng: -122.1, notes: 'above the desk' } },
      { resource: `/networks/${networkId}`, operation: 'update', body: { name: 'Headquarters (HQ)', tags: ['demo', 'hq'] } },
      { resource: `/organizations/${t.demo.organizationId}/networks`, operation: 'create', body: { name: 'Branch 9', productTypes: ['wireless'], timeZone: 'Europe/Copenhagen' } },
      { resource: `/networks/${networkId}/webhooks/payloadTemplates`, operation: 'create', body: { name: 'Batch template', body: '{"id": "{{callbackId}}"}' } },
      { resource: `/networks/${networkId}/webhooks/payloadTemplates/${templateId}`, operation: 'update', body: { name: 'Renamed' } },
      { resource: `/networks/${networkId}/webhooks/payloadTemplates/${doomed.data!.payloadTemplateId}`, operation: 'destroy' },
    ];
    const { data, response } = await create({ confirmed: true, synchronous: true, actions });
    expect(response.status).toBe(201);
    expect(data!.status.errors).toEqual([]);
    expect(data!.status.completed).toBe(true);
    expect(data!.status.failed).toBe(false);
    const [network, newTemplate] = data!.status.createdResources;
    expect(network).toEqual({ id: expect.stringMatching(/^[0-9]+$/), uri: `/networks/${network!.id}` });
    expect(newTemplate).toEqual({ id: expect.stringMatching(/^wpt_/), uri: `/networks/${networkId}/webhooks/payloadTemplates/${newTemplate!.id}` });

    expect(await ssid(networkId, 5)).toMatchObject({ name: 'Staff', enabled: true, authMode: 'psk', encryptionMode: 'wpa' });
    const device = await sdk.getDevice({ client: t.client, path: { serial: 'Q2MR-DEMO-0003' } });
    expect(device.data).toMatchObject({ name: 'Lobby AP', tags: ['lobby'], address: '1 Main St', lat: 37.5, lng: -122.1, notes: 'above the desk' });
    const hq = await sdk.getNetwork({ client: t.client, path: { networkId } });
    expect(hq.data).toMatchObject({ name: 'Headquarters (HQ)', tags: ['demo', 'hq'] });
    const branch = await sdk.getNetwork({ client: t.client, path: { networkId: network!.id } });
    expect(branch.data).toMatchObject({ name: 'Branch 9', productTypes: ['wireless'], timeZone: 'Europe/Copenhagen', organizationId: t.demo.organizationId });
    // A wireless network made by a batch has its 15 SSIDs, like any other.
    expect(await ssid(network!.id, 14)).toMatchObject({ name: 'Unconfigured SSID 15' });
    const made = await sdk.getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId: newTemplate!.id } });
    expect(made.data).toMatchObject({ name: 'Batch template', type: 'custom' });
    const renamed = await sdk.getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId: templateId } });
    expect(renamed.data).toMatchObject({ name: 'Renamed', body: '{"a": "{{callbackId}}"}' });
    const gone = await sdk.getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId: doomed.data!.payloadTemplateId } });
    expect(gone.response.status).toBe(404);
  });

  it('rolls everything back when the last action fails, and calls back with the failure', async () => {
    const networkId = t.demo.networkIds[1]!;
    const path = '/rollback';
    const before = {
      network: (await sdk.getNetwork({ client: t.client, path: { networkId } })).data!,
      ssid: await ssid(networkId, 3),
      networks: (await sdk.getOrganizationNetworks({ client: t.client, path: org() })).data!.length,
      device: (await sdk.getDevice({ client: t.client, path: { serial: 'Q2MR-DEMO-0004' } })).data!,
    };
    const last = `/networks/${networkId}/wireless/ssids/4`;
    const actions: ActionBatchAction[] = [
      { resource: `/networks/${networkId}`, operation: 'update', body: { name: 'Never' } },
      { resource: `/networks/${networkId}/wireless/ssids/3`, operation: 'update', body: { name: 'Never either', enabled: true } },
      { resource: `/organizations/${t.demo.organizationId}/networks`, operation: 'create', body: { name: 'Never made', productTypes: ['wireless'] } },
      { resource: '/devices/Q2MR-DEMO-0004', operation: 'update', body: { name: 'Never renamed' } },
      // Valid for the schema; the SSID code refuses it when it runs.
      { resource: last, operation: 'update', body: { authMode: 'psk' } },
    ];
    const { data, response } = await create({ confirmed: true, synchronous: true, actions, callback: { url: `${receiver.url}${path}`, sharedSecret: secret } });
    expect(response.status).toBe(201);
    expect(data!.status).toEqual({
      completed: false,
      failed: true,
      errors: [`Error occurred while executing update ${last} : psk is required when authMode is psk (actions[4])`],
      createdResources: [],
    });
    expect((await sdk.getNetwork({ client: t.client, path: { networkId } })).data).toEqual(before.network);
    expect(await ssid(networkId, 3)).toEqual(before.ssid);
    expect((await sdk.getOrganizationNetworks({ client: t.client, path: org() })).data).toHaveLength(before.networks);
    expect((await sdk.getDevice({ client: t.client, path: { serial: 'Q2MR-DEMO-0004' } })).data).toEqual(before.device);

    const payload = checked((await receiver.waitOn(path))[0]!);
    // The create acts on the organization, not on this network: the envelope names no network.
    expect(payload.network).toBeUndefined();
    expect(payload.message.status).toEqual(data!.status);
    expect(payload.message.results).toMatchObject({ actionsCompleted: 0, actionsFailed: 5 });
    expect(payload.message.results.details.map((d: { status: string }) => d.status)).toEqual(Array(5).fill('failed'));
  });

  it('refuses a batch with an invalid action body at creation, naming the index and path, and stores nothing', async () => {
    const networkId = t.demo.networkIds[0]!;
    const count = (await sdk.getOrganizationActionBatches({ client: t.client, path: org() })).data!.length;
    const { error, response } = await create({
      confirmed: true,
      actions: [
        { resource: `/networks/${networkId}/wireless/ssids/0`, operation: 'update', body: { name: 'fine' } },
        { resource: `/networks/${networkId}/wireless/ssids/1`, operation: 'update', body: { enabled: 'yes' } },
        { resource: `/networks/${networkId}/wireless/ssids/15`, operation: 'update', body: { name: 'no such SSID' } },
        { resource: `/organizations/${t.demo.organizationId}/networks`, operation: 'create', body: { name: 'No product types' } },
      ],
    });
    expect(response.status).toBe(400);
    expect(error).toEqual({
      errors: [
        `actions[1] (update /networks/${networkId}/wireless/ssids/1): body.enabled must be boolean`,
        `actions[2] (update /networks/${networkId}/wireless/ssids/15): path.number must be <= 14`,
        `actions[3] (create /organizations/${t.demo.organizationId}/networks): body must have required property 'productTypes'`,
      ],
    });
    expect((await sdk.getOrganizationActionBatches({ client: t.client, path: org() })).data).toHaveLength(count);
    expect((await ssid(networkId, 0)).name).not.toBe('fine');
  });

  it('refuses unsupported resources and operations, naming the index', async () => {
    const networkId = t.demo.networkIds[0]!;
    const { error, response } = await create({
      actions: [
        { resource: `/networks/${networkId}/switch/ports/1`, operation: 'update', body: { enabled: false } },
        { resource: `/networks/${networkId}/wireless/ssids/0`, operation: 'destroy' },
        { resource: `/networks/${networkId}/webhooks/httpServers`, operation: 'create', body: { name: 'x', url: 'https://example.com' } },
      ],
    });
    expect(response.status).toBe(400);
    expect(error!.errors).toEqual([
      `actions[0] (update /networks/${networkId}/switch/ports/1): Unsupported resource: no batchable operation has this path`,
      `actions[1] (destroy /networks/${networkId}/wireless/ssids/0): Unsupported operation destroy; /networks/{networkId}/wireless/ssids/{number} supports update`,
      `actions[2] (create /networks/${networkId}/webhooks/httpServers): Unsupported operation create; /networks/{networkId}/webhooks/httpServers cannot be used in a batch`,
    ]);
  });

  it('refuses 21 synchronous actions and 101 asynchronous ones; accepts 100 asynchronous', async () => {
    const networkId = t.demo.networkIds[1]!;
    const actions = (n: number): ActionBatchAction[] =>
      Array.from({ length: n }, (_, i) => ({ resource: `/networks/${networkId}/wireless/ssids/${i % 15}`, operation: 'update', body: { name: `Bulk ${i % 15}` } }));
    const sync = await create({ confirmed: true, synchronous: true, actions: actions(21) });
    expect(sync.response.status).toBe(400);
    expect(sync.error!.errors[0]).toMatch(/^Synchronous batches may have at most 20 actions \(this one has 21\)/);
    const tooMany = await create({ confirmed: true, actions: actions(101) });
    expect(tooMany.response.status).toBe(400);
    expect(tooMany.error!.errors[0]).toMatch(/^Batches may have at most 100 actions \(this one has 101\)/);
    const accepted = await create({ confirmed: true, actions: actions(100) });
    expect(accepted.response.status).toBe(201);
    expect(accepted.data!.actions).toHaveLength(100);
    const done = await finished(accepted.data!.id);
    expect(done.status).toMatchObject({ completed: true, failed: false });
    expect((await ssid(networkId, 14)).name).toBe('Bulk 14');
  });

  it('an unconfirmed batch is validated but not run; PUT confirmed runs it', async () => {
    const networkId = t.demo.networkIds[0]!;
    const actions: ActionBatchAction[] = [{ resource: `/networks/${networkId}/wireless/ssids/7`, operation: 'update', body: { name: 'Confirmed later' } }];
    const created = await create({ actions });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ confirmed: false, synchronous: false, status: { completed: false, failed: false } });
    const id = created.data!.id;
    const pending = await sdk.getOrganizationActionBatches({ client: t.client, path: org(), query: { status: 'pending' } });
    expect(pending.data!.map((b) => b.id)).toContain(id);
    expect((await ssid(networkId, 7)).name).toBe('Unconfigured SSID 8');

    const confirmed = await sdk.updateOrganizationActionBatch({ client: t.client, path: { ...org(), actionBatchId: id }, body: { confirmed: true, synchronous: true } });
    expect(confirmed.response.status).toBe(200);
    expect(confirmed.data).toMatchObject({ id, confirmed: true, synchronous: true, status: { completed: true, failed: false, errors: [] } });
    expect((await ssid(networkId, 7)).name).toBe('Confirmed later');
    const completed = await sdk.getOrganizationActionBatches({ client: t.client, path: org(), query: { status: 'completed' } });
    expect(completed.data!.map((b) => b.id)).toContain(id);
    const failed = await sdk.getOrganizationActionBatches({ client: t.client, path: org(), query: { status: 'failed' } });
    expect(failed.data!.map((b) => b.id)).not.toContain(id);
  });

  it('cannot unconfirm a batch, nor change its mode once confirmed', async () => {
    const networkId = t.demo.networkIds[0]!;
    const { data } = await create({ confirmed: true, synchronous: true, actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'confirmed' } }] });
    const path = { ...org(), actionBatchId: data!.id };
    const unset = await sdk.updateOrganizationActionBatch({ client: t.client, path, body: { confirmed: false } });
    expect(unset.response.status).toBe(400);
    expect(unset.error).toEqual({ errors: ['confirmed cannot be unset once the batch is confirmed'] });
    const mode = await sdk.updateOrganizationActionBatch({ client: t.client, path, body: { synchronous: false } });
    expect(mode.response.status).toBe(400);
    const again = await sdk.updateOrganizationActionBatch({ client: t.client, path, body: { confirmed: true } });
    expect(again.response.status).toBe(200);
    expect(again.data!.confirmed).toBe(true);
  });

  it('deletes unconfirmed batches (204, then 404) and refuses to delete confirmed ones', async () => {
    const networkId = t.demo.networkIds[0]!;
    const actions: ActionBatchAction[] = [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'x' } }];
    const draft = await create({ actions, callback: { url: `${receiver.url}/never` } });
    const path = { ...org(), actionBatchId: draft.data!.id };
    const deleted = await sdk.deleteOrganizationActionBatch({ client: t.client, path });
    expect(deleted.response.status).toBe(204);
    expect((await sdk.getOrganizationActionBatch({ client: t.client, path })).response.status).toBe(404);
    // Its callback went with it.
    const status = await sdk.getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { ...org(), callbackId: draft.data!.callback!.id } });
    expect(status.response.status).toBe(404);

    const confirmed = await create({ confirmed: true, synchronous: true, actions });
    const refused = await sdk.deleteOrganizationActionBatch({ client: t.client, path: { ...org(), actionBatchId: confirmed.data!.id } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toEqual({ errors: ['A confirmed action batch cannot be deleted'] });
  });

  it('unconfirmed batches expire after a week: 404 at once, then swept', async () => {
    const networkId = t.demo.networkIds[0]!;
    const { data } = await create({ actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'stale' } }] });
    const path = { ...org(), actionBatchId: data!.id };
    const db = t.server.ctx.db;
    const row = await db.selectFrom('action_batches').select(['created_at', 'expires_at']).where('id', '=', data!.id).executeTakeFirstOrThrow();
    expect(row.expires_at!.getTime() - row.created_at.getTime()).toBeCloseTo(7 * 24 * 3600 * 1000, -4);
    await db.updateTable('action_batches').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', data!.id).execute();
    expect((await sdk.getOrganizationActionBatch({ client: t.client, path })).response.status).toBe(404);
    expect((await sdk.updateOrganizationActionBatch({ client: t.client, path, body: { confirmed: true } })).response.status).toBe(404);
    expect(await sweepExpiredBatches(db, new Date())).toBe(1);
    expect(await db.selectFrom('action_batches').select('id').where('id', '=', data!.id).executeTakeFirst()).toBeUndefined();
  });

  it("answers 404 for another organization's batch, and refuses actions on its resources", async () => {
    const { data } = await create({ actions: [{ resource: `/networks/${t.demo.networkIds[0]}`, operation: 'update', body: { notes: 'mine' } }] });
    const path = { ...org(), actionBatchId: data!.id };
    expect((await sdk.getOrganizationActionBatch({ client: t.otherClient, path })).response.status).toBe(404);
    expect((await sdk.updateOrganizationActionBatch({ client: t.otherClient, path, body: { confirmed: true } })).response.status).toBe(404);
    expect((await sdk.deleteOrganizationActionBatch({ client: t.otherClient, path })).response.status).toBe(404);
    // Even through its own organization's path, the other admin cannot name this batch.
    const viaOwn = await sdk.getOrganizationActionBatch({ client: t.otherClient, path: { organizationId: t.other.organizationId, actionBatchId: data!.id } });
    expect(viaOwn.response.status).toBe(404);
    expect((await sdk.getOrganizationActionBatch({ client: t.client, path })).data!.confirmed).toBe(false);

    const trespass = await create({
      confirmed: true,
      actions: [
        { resource: `/networks/${t.other.networkId}/wireless/ssids/0`, operation: 'update', body: { name: 'hijack' } },
        { resource: `/devices/${t.other.serial}`, operation: 'update', body: { name: 'hijack' } },
        { resource: `/organizations/${t.other.organizationId}/networks`, operation: 'create', body: { name: 'hijack', productTypes: ['wireless'] } },
      ],
    });
    expect(trespass.response.status).toBe(400);
    expect(trespass.error!.errors).toEqual([
      `actions[0] (update /networks/${t.other.networkId}/wireless/ssids/0): Network not found`,
      `actions[1] (update /devices/${t.other.serial}): Device not found`,
      `actions[2] (create /organizations/${t.other.organizationId}/networks): Organization not found (a batch acts only inside its own organization)`,
    ]);
    const theirs = await sdk.getNetworkWirelessSsid({ client: t.otherClient, path: { networkId: t.other.networkId, number: 0 } });
    expect(theirs.data!.name).toBe('Unconfigured SSID 1');
  });

  it('two concurrent batches touching the same SSIDs leave them in one of the two complete states', async () => {
    const networkId = t.demo.networkIds[1]!;
    const numbers = [8, 9, 10, 11, 12];
    // Opposite orders, so that on PostgreSQL their row locks cross: one waits (or loses a deadlock and runs again).
    const batch = (label: string, order: number[]): ActionBatchAction[] =>
      order.map((n) => ({ resource: `/networks/${networkId}/wireless/ssids/${n}`, operation: 'update', body: { name: `${label}-${n}`, enabled: label === 'A' } }));
    for (let round = 0; round < 3; round += 1) {
      const [a, b] = await Promise.all([
        create({ confirmed: true, synchronous: true, actions: batch('A', numbers) }),
        create({ confirmed: true, synchronous: true, actions: batch('B', [...numbers].reverse()) }),
      ]);
      expect(a.data!.status).toMatchObject({ completed: true, failed: false });
      expect(b.data!.status).toMatchObject({ completed: true, failed: false });
      const names = await Promise.all(numbers.map(async (n) => ssid(networkId, n)));
      const winner = names[0]!.name!.slice(0, 1);
      expect(['A', 'B']).toContain(winner);
      expect(names.map((s) => [s.name, s.enabled])).toEqual(numbers.map((n) => [`${winner}-${n}`, winner === 'A']));
    }
  });

  it('answers 404 for a malformed or unknown batch id', async () => {
    expect((await sdk.getOrganizationActionBatch({ client: t.client, path: { ...org(), actionBatchId: 'abc' } })).response.status).toBe(404);
    expect((await sdk.getOrganizationActionBatch({ client: t.client, path: { ...org(), actionBatchId: '1' } })).response.status).toBe(404);
  });
});
