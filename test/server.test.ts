import { readFileSync } from 'node:fs';
import { servedSpec } from '../src/http/served-spec.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrganization, getOrganizationActionBatches, getOrganizations, getReadyz } from '../generated/client/sdk.gen.js';
import { DEMO_KEY, startTestServer, type TestServer } from './support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const auth = { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' };

describe('server', () => {
  it('answers /healthz without a key', async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 without a key while the database answers', async () => {
    const { data, response } = await getReadyz({ client: t.clientWith() });
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: 'ok' });
  });

  it('serves the bundled spec as JSON and YAML', async () => {
    const json = await (await fetch(`${t.url}/openapi.json`)).json();
    // Only `servers` and the examples' inbox differ: they name this server (test/http/served-spec.test.ts).
    const bundled = servedSpec(JSON.parse(readFileSync('generated/openapi.json', 'utf8')), t.url, t.server.seeded!.inboxToken);
    expect({ ...json, servers: [] }).toEqual({ ...bundled, servers: [] });
    const yaml = await fetch(`${t.url}/openapi.yaml`);
    expect(yaml.headers.get('content-type')).toMatch(/yaml/);
    expect(await yaml.text()).toMatch(/^openapi: 3\.1\.0/m);
  });

  it('serves Swagger UI and its assets locally', async () => {
    const page = await fetch(`${t.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const script = await fetch(`${t.url}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await fetch(`${t.url}/api/v1/networks/${t.demo.networkIds[0]}/wireless/ssids/0`, {
      method: 'PUT',
      headers: auth,
      body: '{"name": "x",',
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.errors[0]).toMatch(/^Malformed JSON/);
  });

  it('answers an unknown path with 404 and a wrong method with 405, as JSON errors', async () => {
    const missing = await fetch(`${t.url}/api/v1/nothing-here`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errors: ['No resource at GET /api/v1/nothing-here'] });
    const wrong = await fetch(`${t.url}/api/v1/organizations`, { method: 'DELETE', headers: auth });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toEqual({ errors: ['DELETE is not allowed on /api/v1/organizations'] });
  });

  // Action batches were the last documented operations answering 501 "not implemented yet"; they are built now.
  it('answers a documented operation that used to be a 501 (action batches) with its result', async () => {
    const { response, data } = await getOrganizationActionBatches({
      client: t.client,
      path: { organizationId: t.demo.organizationId },
    });
    expect(response.status).toBe(200);
    expect(data).toEqual([]);
  });
});

describe('rate limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    // 1 token per second with a burst of 10: the 12 requests below finish long before a token comes back.
    limited = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('allows a burst of 10 per organization, then answers 429 with Retry-After', async () => {
    const path = { organizationId: limited.demo.organizationId };
    const results = await Promise.all(Array.from({ length: 12 }, () => getOrganization({ client: limited.client, path })));
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    const refused = results.filter((r) => r.response.status === 429);
    expect(refused).toHaveLength(2);
    expect(refused[0]!.response.headers.get('retry-after')).toBe('1');
    expect(refused[0]!.error).toEqual({ errors: ['API rate limit exceeded for organization'] });

    // Another organization has its own bucket.
    const other = await getOrganization({ client: limited.otherClient, path: { organizationId: limited.other.organizationId } });
    expect(other.response.status).toBe(200);

    // A token comes back after the Retry-After second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await getOrganization({ client: limited.client, path });
    expect(again.response.status).toBe(200);
  });

  it('limits unscoped calls per admin', async () => {
    const results = await Promise.all(Array.from({ length: 11 }, () => getOrganizations({ client: limited.otherClient })));
    expect(results.filter((r) => r.response.status === 429).length).toBeGreaterThanOrEqual(1);
  });
});
