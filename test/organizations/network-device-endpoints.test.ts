/** The ordinary endpoints batch actions run through: create, update and delete a network; update a device. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('network and device endpoints', () => {
  it('creates a wireless network with its 15 SSIDs, and a wired one with none', async () => {
    const organizationId = t.demo.organizationId;
    const created = await sdk.createOrganizationNetwork({
      client: t.client,
      path: { organizationId },
      body: { name: 'Branch 2', productTypes: ['switch', 'wireless'], tags: ['branch'], timeZone: 'Europe/Copenhagen', notes: 'Opened in 2024' },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    expect(created.data).toEqual({
      id,
      organizationId,
      name: 'Branch 2',
      productTypes: ['switch', 'wireless'],
      timeZone: 'Europe/Copenhagen',
      tags: ['branch'],
      enrollmentString: null,
      url: `${t.url}/api/v1/networks/${id}`,
      notes: 'Opened in 2024',
      isBoundToConfigTemplate: false,
    });
    const ssid = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId: id, number: 14 } });
    expect(ssid.data).toMatchObject({ number: 14, name: 'Unconfigured SSID 15', enabled: false });

    const wired = await sdk.createOrganizationNetwork({ client: t.client, path: { organizationId }, body: { name: 'Closet', productTypes: ['switch'] } });
    expect(wired.data).toMatchObject({ timeZone: 'America/Los_Angeles', tags: [], notes: '' });
    const none = await sdk.getNetworkWirelessSsid({ client: t.client, path: { networkId: wired.data!.id, number: 0 } });
    expect(none.response.status).toBe(404);
    const list = await sdk.getOrganizationNetworks({ client: t.client, path: { organizationId } });
    expect(list.data!.map((n) => n.id)).toEqual(expect.arrayContaining([id, wired.data!.id]));
  });

  it('refuses a bad network body with 400, and another organization with 404', async () => {
    const path = { organizationId: t.demo.organizationId };
    const noTypes = await sdk.createOrganizationNetwork({ client: t.client, path, body: { name: 'x' } as never });
    expect(noTypes.response.status).toBe(400);
    const badZone = await sdk.createOrganizationNetwork({ client: t.client, path, body: { name: 'x', productTypes: ['wireless'], timeZone: 'Mars/Olympus_Mons' } });
    expect(badZone.response.status).toBe(400);
    expect(badZone.error!.errors[0]).toMatch(/^Unknown time zone Mars\/Olympus_Mons/);
    const other = await sdk.createOrganizationNetwork({ client: t.client, path: { organizationId: t.other.organizationId }, body: { name: 'x', productTypes: ['wireless'] } });
    expect(other.response.status).toBe(404);
  });

  it('updates a network, leaving fields it does not name unchanged', async () => {
    const networkId = t.demo.networkIds[0]!;
    const before = (await sdk.getNetwork({ client: t.client, path: { networkId } })).data!;
    const { data, response } = await sdk.updateNetwork({ client: t.client, path: { networkId }, body: { name: 'HQ', tags: ['demo', 'hq'], notes: 'Headquarters' } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ ...before, name: 'HQ', tags: ['demo', 'hq'], notes: 'Headquarters' });
    expect((await sdk.getNetwork({ client: t.client, path: { networkId } })).data).toEqual(data);
    const zone = await sdk.updateNetwork({ client: t.client, path: { networkId }, body: { timeZone: 'Nowhere/Else' } });
    expect(zone.response.status).toBe(400);
    const empty = await sdk.updateNetwork({ client: t.client, path: { networkId }, body: {} });
    expect(empty.data).toEqual(data);
    const other = await sdk.updateNetwork({ client: t.client, path: { networkId: t.other.networkId }, body: { name: 'hijack' } });
    expect(other.response.status).toBe(404);
  });

  it('deletes a network with its SSIDs; its devices stay in the organization, in no network', async () => {
    const organizationId = t.demo.organizationId;
    const { data: network } = await sdk.createOrganizationNetwork({ client: t.client, path: { organizationId }, body: { name: 'Short-lived', productTypes: ['wireless'] } });
    await t.server.ctx.db
      .insertInto('devices')
      .values({ serial: 'Q2MR-TEMP-0001', organization_id: organizationId, network_id: network!.id, name: 'Temp AP', model: 'MR36', mac: '0c:8d:db:00:09:01', lan_ip: null, product_type: 'wireless', behaviour: '{}' })
      .execute();
    const deleted = await sdk.deleteNetwork({ client: t.client, path: { networkId: network!.id } });
    expect(deleted.response.status).toBe(204);
    expect((await sdk.getNetwork({ client: t.client, path: { networkId: network!.id } })).response.status).toBe(404);
    expect((await sdk.deleteNetwork({ client: t.client, path: { networkId: network!.id } })).response.status).toBe(404);
    const device = await t.server.ctx.db.selectFrom('devices').select(['organization_id', 'network_id']).where('serial', '=', 'Q2MR-TEMP-0001').executeTakeFirstOrThrow();
    expect(device).toEqual({ organization_id: organizationId, network_id: null });
    expect((await sdk.deleteNetwork({ client: t.client, path: { networkId: t.other.networkId } })).response.status).toBe(404);
  });

  it('updates a device: name, tags, address, notes and coordinates', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const before = (await sdk.getDevice({ client: t.client, path: { serial } })).data!;
    const { data, response } = await sdk.updateDevice({
      client: t.client,
      path: { serial },
      body: { name: 'Core switch', tags: ['core'], address: '1600 Pennsylvania Ave', notes: 'Rack 2', lat: 37.418, lng: -122.098, moveMapMarker: true },
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ ...before, name: 'Core switch', tags: ['core'], address: '1600 Pennsylvania Ave', notes: 'Rack 2', lat: 37.418, lng: -122.098 });
    expect((await sdk.getDevice({ client: t.client, path: { serial } })).data).toEqual(data);
  });

  it('refuses bad device updates: out-of-range coordinates, long notes, a map move without coordinates, another organization', async () => {
    const path = { serial: 'Q2MS-DEMO-0002' };
    expect((await sdk.updateDevice({ client: t.client, path, body: { lat: 91 } })).response.status).toBe(400);
    expect((await sdk.updateDevice({ client: t.client, path, body: { notes: 'x'.repeat(256) } })).response.status).toBe(400);
    const move = await sdk.updateDevice({ client: t.client, path, body: { address: 'Somewhere', moveMapMarker: true } });
    expect(move.response.status).toBe(400);
    expect(move.error).toEqual({ errors: ['moveMapMarker: addresses cannot be geocoded by this server; give lat and lng'] });
    expect((await sdk.getDevice({ client: t.client, path })).data!.address).not.toBe('Somewhere');
    expect((await sdk.updateDevice({ client: t.client, path: { serial: t.other.serial }, body: { name: 'hijack' } })).response.status).toBe(404);
  });
});
