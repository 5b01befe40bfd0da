import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getDevice,
  getNetwork,
  getOrganization,
  getOrganizationDevices,
  getOrganizationNetworks,
  getOrganizations,
} from '../../generated/client/sdk.gen.js';
import { linkQuery, parseLinkHeader } from '../support/link-header.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('organizations', () => {
  it('lists only the organizations the key may see', async () => {
    const { data, response } = await getOrganizations({ client: t.client });
    expect(response.status).toBe(200);
    expect(data!.map((o) => o.id)).toEqual([t.demo.organizationId]);
    expect(data![0]!.name).toBe('Demo Organization');
    const other = await getOrganizations({ client: t.otherClient });
    expect(other.data!.map((o) => o.id)).toEqual([t.other.organizationId]);
  });

  it('reads one organization', async () => {
    const { data } = await getOrganization({ client: t.client, path: { organizationId: t.demo.organizationId } });
    expect(data).toMatchObject({ id: t.demo.organizationId, name: 'Demo Organization', api: { enabled: true } });
    expect(data!.url).toBe(`${t.url}/api/v1/organizations/${t.demo.organizationId}`);
  });

  it("answers 404 for another organization's id and for ids that do not exist", async () => {
    for (const organizationId of [t.other.organizationId, '999', 'not-a-number']) {
      const { error, response } = await getOrganization({ client: t.client, path: { organizationId } });
      expect(response.status).toBe(404);
      expect(error).toEqual({ errors: ['Organization not found'] });
    }
  });

  it('answers 401 without a key or with an unknown key', async () => {
    const none = await getOrganizations({ client: t.clientWith() });
    expect(none.response.status).toBe(401);
    expect(none.error).toEqual({ errors: [expect.stringContaining('Missing API key')] });
    const wrong = await getOrganizations({ client: t.clientWith('f'.repeat(40)) });
    expect(wrong.response.status).toBe(401);
    expect(wrong.error).toEqual({ errors: ['Invalid API key'] });
  });

  it('accepts the key in all three header forms', async () => {
    const path = `${t.url}/api/v1/organizations/${t.demo.organizationId}`;
    for (const headers of <Record<string, string>[]>[
      { Authorization: `Bearer ${DEMO_KEY}` },
      { 'X-Cisco-Meraki-API-Key': DEMO_KEY },
      { Authorization: `APIToken ${DEMO_KEY}` },
    ]) {
      const res = await fetch(path, { headers });
      expect(res.status).toBe(200);
      expect((await res.json()).id).toBe(t.demo.organizationId);
    }
  });

  it('refuses a bad query parameter with 400', async () => {
    const { error, response } = await getOrganizations({ client: t.client, query: { perPage: 2 } });
    expect(response.status).toBe(400);
    expect(error!.errors[0]).toMatch(/perPage/);
  });
});

describe('networks', () => {
  it("lists the organization's networks", async () => {
    const { data, response } = await getOrganizationNetworks({ client: t.client, path: { organizationId: t.demo.organizationId } });
    expect(response.status).toBe(200);
    expect(data!.map((n) => n.name)).toEqual(['Headquarters', 'Branch 1']);
    expect(data![0]).toMatchObject({ organizationId: t.demo.organizationId, productTypes: ['appliance', 'switch', 'wireless'], tags: ['demo'] });
  });

  it('filters by tags', async () => {
    const { data } = await getOrganizationNetworks({
      client: t.client,
      path: { organizationId: t.demo.organizationId },
      query: { tags: ['branch'] },
    });
    expect(data!.map((n) => n.name)).toEqual(['Branch 1']);
  });

  it("reads one network; another organization's is 404", async () => {
    const id = t.demo.networkIds[0]!;
    const { data } = await getNetwork({ client: t.client, path: { networkId: id } });
    expect(data).toMatchObject({ id, name: 'Headquarters' });
    const other = await getNetwork({ client: t.client, path: { networkId: t.other.networkId } });
    expect(other.response.status).toBe(404);
    expect(other.error).toEqual({ errors: ['Network not found'] });
    const missing = await getNetwork({ client: t.client, path: { networkId: 'N_1' } });
    expect(missing.response.status).toBe(404);
  });

  it("lists another organization's networks as 404", async () => {
    const { response } = await getOrganizationNetworks({ client: t.client, path: { organizationId: t.other.organizationId } });
    expect(response.status).toBe(404);
  });
});

describe('devices', () => {
  it('pages through devices with Link headers relative to /api/v1', async () => {
    const path = { organizationId: t.demo.organizationId };
    const all = await getOrganizationDevices({ client: t.client, path });
    const serials = all.data!.map((d) => d.serial);
    // 4 Meraki devices, the offline access point and 3 dongles.
    expect(serials).toHaveLength(8);
    expect([...serials].sort()).toEqual(serials);

    const seen: string[] = [];
    let query: Record<string, string> = { perPage: '3' };
    let pages = 0;
    for (;;) {
      const { data, response } = await getOrganizationDevices({ client: t.client, path, query: query as never });
      expect(response.status).toBe(200);
      pages += 1;
      seen.push(...data!.map((d) => d.serial));
      const links = parseLinkHeader(response.headers.get('link'));
      expect(links.first).toBe(`/organizations/${t.demo.organizationId}/devices?perPage=3`);
      if (pages > 1) expect(links.prev).toBeDefined();
      if (!links.next) break;
      expect(links.next.startsWith(`/organizations/${t.demo.organizationId}/devices?`)).toBe(true);
      query = linkQuery(links.next);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(serials);

    // Walking back from the last page with `prev` gives the same pages in reverse.
    const first = await getOrganizationDevices({ client: t.client, path, query: { perPage: 3 } });
    const last = await getOrganizationDevices({ client: t.client, path, query: linkQuery(parseLinkHeader(first.response.headers.get('link')).last!) as never });
    expect(last.data!.map((d) => d.serial)).toEqual(serials.slice(5));
    const lastLinks = parseLinkHeader(last.response.headers.get('link'));
    expect(lastLinks.next).toBeUndefined();
    const middle = await getOrganizationDevices({ client: t.client, path, query: linkQuery(lastLinks.prev!) as never });
    expect(middle.data!.map((d) => d.serial)).toEqual(serials.slice(2, 5));
  });

  it('filters devices', async () => {
    const path = { organizationId: t.demo.organizationId };
    const wireless = await getOrganizationDevices({ client: t.client, path, query: { productTypes: ['wireless'] } });
    expect(wireless.data!.map((d) => [d.serial, d.model, d.productType])).toEqual([
      ['Q2MR-DEMO-0003', 'MR46', 'wireless'],
      ['Q2MR-DEMO-0004', 'MR36', 'wireless'],
      ['Q2MR-DEMO-0005', 'MR36', 'wireless'],
    ]);
    const byName = await getOrganizationDevices({ client: t.client, path, query: { name: 'dongle' } });
    expect(byName.data!.map((d) => d.name).sort()).toEqual([
      'Dongle (answers at once)',
      'Dongle (offline: never answers)',
      'Dongle (slow: answers after 3 s)',
    ]);
    const byNetwork = await getOrganizationDevices({ client: t.client, path, query: { networkIds: [t.demo.networkIds[0]!] } });
    expect(byNetwork.data!.map((d) => d.serial)).toEqual(['Q2MR-DEMO-0003', 'Q2MS-DEMO-0002', 'Q2MX-DEMO-0001']);
  });

  it("reads one device; another organization's is 404", async () => {
    const { data } = await getDevice({ client: t.client, path: { serial: 'Q2MX-DEMO-0001' } });
    expect(data).toMatchObject({ serial: 'Q2MX-DEMO-0001', model: 'MX68', productType: 'appliance', networkId: t.demo.networkIds[0], lanIp: '10.0.1.1' });
    const other = await getDevice({ client: t.client, path: { serial: t.other.serial } });
    expect(other.response.status).toBe(404);
    expect(other.error).toEqual({ errors: ['Device not found'] });
    const otherSees = await getDevice({ client: t.otherClient, path: { serial: t.other.serial } });
    expect(otherSees.data!.serial).toBe(t.other.serial);
  });

  it('refuses perPage out of range', async () => {
    const { response, error } = await getOrganizationDevices({ client: t.client, path: { organizationId: t.demo.organizationId }, query: { perPage: 1001 } });
    expect(response.status).toBe(400);
    expect(error!.errors.join()).toMatch(/perPage/);
  });
});
