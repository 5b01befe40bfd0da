/** The per-organization limit on executing batches, on a server that runs none itself (ACTION_BATCH_WORKERS=0), so they stay executing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import type { ActionBatchAction } from '../../generated/client/types.gen.js';
import { executeBatch } from '../../src/action-batches/execute-batch.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ ACTION_BATCH_WORKERS: '0', ACTION_BATCH_MAX_SYNC: '3' });
});
afterAll(async () => {
  await t?.stop();
});

const MERAKI_ERROR = 'Too many concurrently executing batches. Maximum is 5 confirmed but not yet executed batches.';

describe('action batch limits', () => {
  it('refuses the 6th concurrently executing batch with "executing batches", and admits again once one has run', async () => {
    const organizationId = t.demo.organizationId;
    const networkId = t.demo.networkIds[0]!;
    const action = (n: number): ActionBatchAction[] => [{ resource: `/networks/${networkId}/wireless/ssids/${n}`, operation: 'update', body: { name: `Queued ${n}` } }];
    const ids: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      const { data, response } = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { confirmed: true, actions: action(n) } });
      expect(response.status).toBe(201);
      ids.push(data!.id);
    }
    const sixth = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { confirmed: true, actions: action(5) } });
    expect(sixth.response.status).toBe(400);
    expect(sixth.error).toEqual({ errors: [MERAKI_ERROR] });
    const sync = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { confirmed: true, synchronous: true, actions: action(5) } });
    expect(sync.error).toEqual({ errors: [MERAKI_ERROR] });
    // Unconfirmed batches do not execute: still accepted, but their confirmation is refused the same way.
    const draft = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { actions: action(6) } });
    expect(draft.response.status).toBe(201);
    const confirm = await sdk.updateOrganizationActionBatch({ client: t.client, path: { organizationId, actionBatchId: draft.data!.id }, body: { confirmed: true } });
    expect(confirm.response.status).toBe(400);
    expect(confirm.error!.errors[0]).toContain('executing batches');
    // Another organization has its own allowance.
    const other = await sdk.createOrganizationActionBatch({
      client: t.otherClient,
      path: { organizationId: t.other.organizationId },
      body: { confirmed: true, actions: [{ resource: `/networks/${t.other.networkId}`, operation: 'update', body: { notes: 'theirs' } }] },
    });
    expect(other.response.status).toBe(201);

    // One batch runs (as a runner would): a slot frees up.
    const ran = await executeBatch(t.server.ctx.db, { operations: t.server.ctx.actionOperations, callbacks: t.server.ctx.callbacks }, { id: ids[0]! });
    expect(ran?.status).toBe('completed');
    const now = await sdk.updateOrganizationActionBatch({ client: t.client, path: { organizationId, actionBatchId: draft.data!.id }, body: { confirmed: true } });
    expect(now.response.status).toBe(200);
    expect(now.data).toMatchObject({ confirmed: true, status: { completed: false, failed: false } });
    const pending = await sdk.getOrganizationActionBatches({ client: t.client, path: { organizationId }, query: { status: 'pending' } });
    expect(pending.data!.map((b) => b.id).sort()).toEqual([...ids.slice(1), draft.data!.id].sort());
  });

  it('the synchronous limit is configurable, and also applies when a PUT makes a batch synchronous', async () => {
    const organizationId = t.demo.organizationId;
    const networkId = t.demo.networkIds[1]!;
    const actions: ActionBatchAction[] = [0, 1, 2, 3].map((n) => ({ resource: `/networks/${networkId}/wireless/ssids/${n}`, operation: 'update', body: { enabled: true } }));
    const refused = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { synchronous: true, actions } });
    expect(refused.response.status).toBe(400);
    expect(refused.error!.errors[0]).toMatch(/^Synchronous batches may have at most 3 actions \(this one has 4\)/);
    const draft = await sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId }, body: { actions } });
    const put = await sdk.updateOrganizationActionBatch({ client: t.client, path: { organizationId, actionBatchId: draft.data!.id }, body: { synchronous: true } });
    expect(put.response.status).toBe(400);
  });
});
