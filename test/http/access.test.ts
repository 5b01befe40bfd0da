/** Every implemented operation: 401 without a key, 404 for another organization's ids, 429 past the rate limit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../generated/client/client/index.js';
import * as sdk from '../../generated/client/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let demoDongleId: string;
beforeAll(async () => {
  // One token a second, burst of 10: each operation below spends its organization's burst and then sees 429.
  t = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' });
  const dongle = await t.server.ctx.db
    .selectFrom('devices')
    .select('dongle_id')
    .where('organization_id', '=', t.demo.organizationId)
    .where('dongle_id', 'is not', null)
    .executeTakeFirstOrThrow();
  demoDongleId = dongle.dongle_id!;
});
afterAll(async () => {
  await t?.stop();
});

type Call = (client: Client, own: boolean) => Promise<{ response: Response; error?: unknown }>;

/** Each implemented operation, called on the demo organization's resources (own) or on the other organization's. */
const operations: Record<string, Call> = {
  getOrganization: (client, own) => sdk.getOrganization({ client, path: { organizationId: own ? t.demo.organizationId : t.other.organizationId } }),
  getOrganizationNetworks: (client, own) =>
    sdk.getOrganizationNetworks({ client, path: { organizationId: own ? t.demo.organizationId : t.other.organizationId } }),
  getOrganizationDevices: (client, own) =>
    sdk.getOrganizationDevices({ client, path: { organizationId: own ? t.demo.organizationId : t.other.organizationId } }),
  getNetwork: (client, own) => sdk.getNetwork({ client, path: { networkId: own ? t.demo.networkIds[0]! : t.other.networkId } }),
  getDevice: (client, own) => sdk.getDevice({ client, path: { serial: own ? 'Q2MS-DEMO-0002' : t.other.serial } }),
  getNetworkWirelessSsid: (client, own) =>
    sdk.getNetworkWirelessSsid({ client, path: { networkId: own ? t.demo.networkIds[0]! : t.other.networkId, number: 1 } }),
  updateNetworkWirelessSsid: (client, own) =>
    sdk.updateNetworkWirelessSsid({ client, path: { networkId: own ? t.demo.networkIds[0]! : t.other.networkId, number: 1 }, body: { enabled: true } }),
  dongleDevicesRead: (client, own) => sdk.dongleDevicesRead({ client, path: { id: own ? demoDongleId : t.other.dongleId } }),
};

describe.each(Object.entries(operations))('%s', (_name, call) => {
  it('answers 401 without a key', async () => {
    const { response, error } = await call(t.clientWith(), true);
    expect(response.status).toBe(401);
    expect(error).toEqual({ errors: [expect.stringContaining('API key')] });
  });

  it("answers 404 for another organization's resource", async () => {
    const { response, error } = await call(t.client, false);
    expect(response.status).toBe(404);
    expect(error).toEqual({ errors: [expect.stringMatching(/not found$/)] });
  });

  it('answers 200, then 429 with Retry-After once the burst is spent', async () => {
    // Start from a full bucket: the operations before this one spent the same organization's.
    t.server.ctx.rateLimiter.forget(t.demo.organizationId);
    const responses = [];
    for (let i = 0; i < 12; i += 1) responses.push((await call(t.client, true)).response);
    expect(responses.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
    const limited = responses.slice(10);
    expect(limited.map((r) => r.status)).toEqual([429, 429]);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
