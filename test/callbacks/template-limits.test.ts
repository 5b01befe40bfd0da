/** No template can stall the event loop or take the process's memory: renders run in workers with hard limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { sampleAlert } from '../../src/callbacks/sample-payloads.js';
import { DEFAULT_RENDER_LIMIT_MS } from '../../src/callbacks/template-engine.js';
import { DEFAULT_POOL_MEMORY_LIMIT, DEFAULT_TASK_TIMEOUT_MS, TemplatePool } from '../../src/callbacks/template-pool.js';
import { RendererUnavailableError } from '../../src/errors.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
let networkId: string;
beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
  networkId = t.demo.networkIds[0]!;
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

// A limit named in the reason: Liquid's memory count, Liquid's own time limit, or the worker's hard time limit.
const LIMIT_REASON = new RegExp(
  `^(with the sample (callback|alert): )?render exceeded (the memory limit of ${DEFAULT_POOL_MEMORY_LIMIT} characters|${DEFAULT_RENDER_LIMIT_MS} ms|the time limit of ${DEFAULT_TASK_TIMEOUT_MS} ms)$`,
);

const HOSTILE: [string, string][] = [
  ['sort_natural', '{"a": "{{ (1..5000000) | sort_natural | size }}"}'],
  ['uniq', '{"a": "{{ (1..5000000) | uniq | size }}"}'],
  ['sort', '{"a": "{{ (1..5000000) | sort | size }}"}'],
  ['map', '{"a": "{{ (1..5000000) | map: "x" | size }}"}'],
  ['join', '{"a": "{{ (1..5000000) | join: "," | size }}"}'],
  ['growing string', '{% assign s = "x" %}{% for i in (1..100000) %}{% assign s = s | append: "xxxxxxxxxxxxxxxxxxxx" %}{% endfor %}"{{ s | size }}"'],
];

// Stays under Liquid's memory count (500,000 items, charged twice) yet sorts for seconds in one call: only the hard limit stops it.
const SLOW_SORT = '{{ (1..500000) | sort_natural | size }}';

async function save(name: string, body: string) {
  return sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name, body } });
}

describe('hostile templates at save', () => {
  it('refuses sort_natural, uniq, sort, map and join over huge ranges, and a growing string, naming the limit', async () => {
    for (const [name, body] of HOSTILE) {
      const started = Date.now();
      const { response, error } = await save(name, body);
      expect(response.status, name).toBe(400);
      expect((error as { errors: string[] }).errors, name).toEqual([expect.stringMatching(LIMIT_REASON)]);
      // Generous for a loaded machine; unbounded, the first of these took seconds and gigabytes of the server's own memory.
      expect(Date.now() - started, name).toBeLessThan(15_000);
    }
  });

  it('refuses a single slow filter call at the hard time limit, while the server goes on answering', async () => {
    let saveDone = false;
    const saving = save('slow sort', `{"a": "${SLOW_SORT}"}`).then((answer) => {
      saveDone = true;
      return answer;
    });
    // Health checks in a row while the save runs: with the render on the main thread none could finish until it did.
    let answeredDuringSave = 0;
    for (let i = 0; i < 200 && !saveDone; i += 1) {
      const health = await fetch(`${t.url}/healthz`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      if (!saveDone) answeredDuringSave += 1;
    }
    const { response, error } = await saving;
    expect(response.status).toBe(400);
    expect(error).toEqual({ errors: [`render exceeded the time limit of ${DEFAULT_TASK_TIMEOUT_MS} ms`] });
    expect(answeredDuringSave).toBeGreaterThanOrEqual(3);
  });
});

describe('hostile templates at delivery', () => {
  it('fails the callback with the limit when the real data takes a branch the samples do not, and the server stays up', async () => {
    const body = `{% if network.name == "Headquarters" %}{"a": "${SLOW_SORT}"}{% else %}{}{% endif %}`;
    const created = await save('slow on real data', body);
    expect(created.response.status).toBe(201);
    const id = created.data!.payloadTemplateId;
    const path = '/hostile-delivery';
    const batch = await sdk.createOrganizationActionBatch({
      client: t.client,
      path: { organizationId: t.demo.organizationId },
      body: {
        confirmed: true,
        synchronous: true,
        actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'hostile delivery' } }],
        callback: { url: `${receiver.url}${path}`, payloadTemplate: { id } },
      },
    });
    expect(batch.response.status).toBe(201);
    expect(batch.data!.status).toMatchObject({ completed: true, failed: false });
    const status = await sdk.getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId: batch.data!.callback!.id } });
    expect(status.data).toMatchObject({ status: 'failed', errors: [`payload template ${id}: render exceeded the time limit of ${DEFAULT_TASK_TIMEOUT_MS} ms`] });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    // A later render goes through a fresh worker as usual.
    const fine = await sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'fine', body: '{"a": "{{ alertType }}"}' } });
    expect(fine.response.status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.on(path)).toEqual([]);
  });
});

describe('the template pool', () => {
  it('terminates a worker that runs out of its heap, says so, and renders the next template in a new worker', async () => {
    // Liquid's own memory count lifted, so that only the worker's heap limit can stop this range.
    const pool = new TemplatePool({ limits: { memoryLimit: 1e9 }, timeoutMs: 30_000, heapMb: 64 });
    try {
      await pool.start();
      await expect(pool.render({ body: '{"a": "{{ (1..20000000) | size }}"}', headers: [] }, sampleAlert, '1')).rejects.toThrow('render exceeded the memory limit of 64 MiB');
      expect(await pool.render({ body: '{"a": "{{ alertType }}"}', headers: [] }, sampleAlert, '1')).toEqual({ body: '{"a":"APs went down"}', headers: {} });
    } finally {
      await pool.close();
    }
  });

  it('lets organizations take turns: one organization\'s pile of slow renders holds another\'s back by the render running, not the pile', async () => {
    const pool = new TemplatePool({ timeoutMs: 300, maxThreads: 1 });
    await pool.start();
    try {
      const settled: string[] = [];
      const track = (name: string, render: Promise<unknown>) => render.then(() => settled.push(name), () => settled.push(name));
      const pile = Array.from({ length: 4 }, (_, i) => track(`slow ${i + 1}`, pool.render({ body: `{"a": "${SLOW_SORT}"}`, headers: [] }, sampleAlert, '1')));
      const other = track('other', pool.render({ body: '{"a": "{{ alertLevel }}"}', headers: [] }, sampleAlert, '2'));
      await Promise.all([...pile, other]);
      // FIFO would have put it last, behind four renders each stopped at the 300 ms limit.
      expect(settled).toEqual(['slow 1', 'other', 'slow 2', 'slow 3', 'slow 4']);
    } finally {
      await pool.close();
    }
  });

  it('applies its own time limit, counted from when a worker takes the task, and refuses work once closed', async () => {
    const pool = new TemplatePool({ timeoutMs: 300, maxThreads: 1 });
    await pool.start();
    const slow = pool.render({ body: `{"a": "${SLOW_SORT}"}`, headers: [] }, sampleAlert, '1');
    // Queued behind the slow one on the only worker: its wait is not its run time, so it still renders.
    const queued = pool.render({ body: '{"a": "{{ alertLevel }}"}', headers: [] }, sampleAlert, '1');
    await expect(slow).rejects.toThrow('render exceeded the time limit of 300 ms');
    expect((await queued).body).toBe('{"a":"critical"}');
    await pool.close();
    // The renderer being away is not the template's fault: a different error, so no payload is failed for it.
    const refused = pool.render({ body: '{}', headers: [] }, sampleAlert, '1');
    await expect(refused).rejects.toBeInstanceOf(RendererUnavailableError);
    await expect(refused).rejects.toThrow('The template renderer is unavailable (shut down); retry later');
  });
});

describe('a server whose renderer is away', () => {
  it('answers a webhook test 503 with Retry-After, and creates nothing', async () => {
    await (t.server.ctx.callbacks.templates as TemplatePool).close();
    const response = await fetch(`${t.url}/api/v1/networks/${networkId}/webhooks/webhookTests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/renderer-away` }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({ errors: ['The template renderer is unavailable (shut down); retry later'] });
    const { count } = await t.server.ctx.db.selectFrom('callbacks').select((eb) => eb.fn.countAll<string>().as('count')).where('url', '=', `${receiver.url}/renderer-away`).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(0);
  });
});
