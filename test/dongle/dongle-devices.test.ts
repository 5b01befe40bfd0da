import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dongleDevicesList, dongleDevicesRead } from '../../generated/client/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('dongle devices', () => {
  it("lists the caller's dongles with names that say how they behave", async () => {
    const { data, response } = await dongleDevicesList({ client: t.client });
    expect(response.status).toBe(200);
    expect(data!.map((d) => d.display)).toEqual([
      'Dongle (answers at once)',
      'Dongle (offline: never answers)',
      'Dongle (slow: answers after 3 s)',
    ]);
    for (const d of data!) {
      expect(d.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(d.unit_id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("reads one dongle; another organization's is 404", async () => {
    const list = await dongleDevicesList({ client: t.client });
    const first = list.data![0]!;
    const { data } = await dongleDevicesRead({ client: t.client, path: { id: first.id } });
    expect(data).toEqual(first);
    const other = await dongleDevicesRead({ client: t.client, path: { id: t.other.dongleId } });
    expect(other.response.status).toBe(404);
    expect(other.error).toEqual({ errors: ['Device not found'] });
  });

  it('refuses an id that is not a UUID with 400', async () => {
    const { response, error } = await dongleDevicesRead({ client: t.client, path: { id: 'nope' } });
    expect(response.status).toBe(400);
    expect(error!.errors.join()).toMatch(/id/);
  });

  it('accepts the AutoPi APIToken header and refuses a missing one', async () => {
    const res = await fetch(`${t.url}/dongle/devices/`, { headers: { Authorization: 'APIToken ' + 'a'.repeat(40) } });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(3);
    const none = await dongleDevicesList({ client: t.clientWith() });
    expect(none.response.status).toBe(401);
  });
});
