import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNetworkWirelessSsid, updateNetworkWirelessSsid } from '../../generated/client/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('SSIDs', () => {
  it('every wireless network has 15 unconfigured SSIDs', async () => {
    const networkId = t.demo.networkIds[0]!;
    for (const number of [0, 14]) {
      const { data, response } = await getNetworkWirelessSsid({ client: t.client, path: { networkId, number } });
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ number, name: `Unconfigured SSID ${number + 1}`, enabled: false, authMode: 'open' });
    }
  });

  it('updates an SSID and reads back the merged settings', async () => {
    const networkId = t.demo.networkIds[1]!;
    const { data, response } = await updateNetworkWirelessSsid({
      client: t.client,
      path: { networkId, number: 0 },
      body: { name: 'Guests', enabled: true, authMode: 'psk', psk: 'correct horse battery', visible: false },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ number: 0, name: 'Guests', enabled: true, authMode: 'psk', encryptionMode: 'wpa', visible: false });
    // The PSK is write-only: stored, never sent back.
    expect(data).not.toHaveProperty('psk');
    const read = await getNetworkWirelessSsid({ client: t.client, path: { networkId, number: 0 } });
    expect(read.data).toEqual(data);
    // Back to open: the PSK fields go away.
    const open = await updateNetworkWirelessSsid({ client: t.client, path: { networkId, number: 0 }, body: { authMode: 'open' } });
    expect(open.data!.encryptionMode).toBeUndefined();
    expect(open.data!.name).toBe('Guests');
  });

  it('refuses a bad body with 400 and changes nothing', async () => {
    const networkId = t.demo.networkIds[0]!;
    const path = { networkId, number: 3 };
    const wrongType = await updateNetworkWirelessSsid({ client: t.client, path, body: { enabled: 'yes' as never } });
    expect(wrongType.response.status).toBe(400);
    expect(wrongType.error!.errors.join()).toMatch(/enabled/);
    const noPsk = await updateNetworkWirelessSsid({ client: t.client, path, body: { name: 'x', authMode: 'psk' } });
    expect(noPsk.response.status).toBe(400);
    expect(noPsk.error).toEqual({ errors: ['psk is required when authMode is psk'] });
    const read = await getNetworkWirelessSsid({ client: t.client, path });
    expect(read.data!.name).toBe('Unconfigured SSID 4');
  });

  it('refuses an SSID number out of 0–14 with 400', async () => {
    const { response } = await getNetworkWirelessSsid({ client: t.client, path: { networkId: t.demo.networkIds[0]!, number: 15 } });
    expect(response.status).toBe(400);
  });

  it("answers 404 for another organization's network, for both GET and PUT", async () => {
    const path = { networkId: t.other.networkId, number: 0 };
    const read = await getNetworkWirelessSsid({ client: t.client, path });
    expect(read.response.status).toBe(404);
    const write = await updateNetworkWirelessSsid({ client: t.client, path, body: { name: 'hijack' } });
    expect(write.response.status).toBe(404);
    const owner = await getNetworkWirelessSsid({ client: t.otherClient, path });
    expect(owner.data!.name).toBe('Unconfigured SSID 1');
  });

  it('answers 401 without a key', async () => {
    const { response } = await updateNetworkWirelessSsid({ client: t.clientWith(), path: { networkId: t.demo.networkIds[0]!, number: 0 }, body: { name: 'x' } });
    expect(response.status).toBe(401);
  });
});
