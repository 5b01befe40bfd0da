/** The SDK's client: its base URL, the key sent once, typed errors, and the paginator against Boomerang and Meraki-style links. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/index.js';
import type { Device } from '../../generated/client/types.gen.js';
import { BoomerangError } from '../../src/sdk/boomerang-error.js';
import { createClient } from '../../src/sdk/create-client.js';
import { parseLinkHeader, resolveLink } from '../../src/sdk/link-header.js';
import { paginate } from '../../src/sdk/paginate.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let api: RecordingReceiver;
let shard: RecordingReceiver;

beforeAll(async () => {
  t = await startTestServer();
  api = await RecordingReceiver.start();
  shard = await RecordingReceiver.start();
});

afterAll(async () => {
  await api?.close();
  await shard?.close();
  await t?.stop();
});

describe('createClient', () => {
  it('sends the key once, as Authorization: Bearer, for both API families', async () => {
    api.reply(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '[]' }));
    const client = createClient({ baseUrl: `${api.url}/`, apiKey: 'k'.repeat(40) });
    await sdk.getOrganizations({ client });
    await sdk.dongleDevicesList({ client });
    const [meraki, dongle] = api.received.slice(-2);
    for (const request of [meraki!, dongle!]) {
      const names = request.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names.filter((n) => n === 'authorization' || n === 'x-cisco-meraki-api-key')).toEqual(['authorization']);
      expect(request.headers.authorization).toBe(`Bearer ${'k'.repeat(40)}`);
    }
    expect([meraki!.path, dongle!.path]).toEqual(['/api/v1/organizations', '/dongle/devices/']);
  });

  it('takes the origin, or a prefix a proxy serves the API under, and refuses a Meraki-style …/api/v1 base', async () => {
    api.reply(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '[]' }));
    await sdk.getOrganizations({ client: createClient({ baseUrl: `${api.url}/boomerang` }) });
    expect(api.received.at(-1)!.path).toBe('/boomerang/api/v1/organizations');
    expect(() => createClient({ baseUrl: `${api.url}/api/v1` })).toThrow(`baseUrl is the server's origin (${api.url}): the SDK's paths already start with /api/v1 and /dongle`);
    expect(() => createClient({ baseUrl: `${api.url}/api/v1/` })).toThrow(/server's origin/);
    expect(() => createClient({ baseUrl: 'localhost:8080' })).toThrow(/must be http or https/);
    expect(() => createClient({ baseUrl: '/api' })).toThrow(/absolute http\(s\) URL/);
    expect(() => createClient({ baseUrl: `${api.url}?x=1` })).toThrow(/no query or fragment/);
  });

  it('gives errors as a typed BoomerangError {status, errors}, thrown with throwOnError', async () => {
    const client = createClient({ baseUrl: t.url, apiKey: DEMO_KEY });
    const missing = await sdk.getDevice({ client, path: { serial: 'Q0NO-SUCH-0000' } });
    expect(missing.error).toBeInstanceOf(BoomerangError);
    expect(missing.error).toMatchObject({ status: 404, errors: ['Device not found'] });
    await expect(sdk.getOrganizations({ client: createClient({ baseUrl: t.url, apiKey: 'z'.repeat(40) }), throwOnError: true })).rejects.toMatchObject({ name: 'BoomerangError', status: 401 });
    // An answer that is not Boomerang's error shape (a proxy's page) still becomes one.
    api.reply(() => ({ status: 502, body: 'Bad Gateway from the proxy' }));
    await expect(sdk.getOrganizations({ client: createClient({ baseUrl: api.url }), throwOnError: true })).rejects.toMatchObject({ status: 502, errors: ['Bad Gateway from the proxy'] });
  });
});

describe('paginate', () => {
  it('walks every page of a Boomerang list, following its Link headers (relative to /api/v1)', async () => {
    const client = createClient({ baseUrl: t.url, apiKey: DEMO_KEY });
    const organizationId = t.demo.organizationId;
    const { data: all } = await sdk.getOrganizationDevices({ client, path: { organizationId }, query: { perPage: 1000 }, throwOnError: true });
    const paged: Device[] = [];
    for await (const device of paginate(sdk.getOrganizationDevices, { client, path: { organizationId }, query: { perPage: 3 } })) paged.push(device);
    expect(paged.map((d) => d.serial)).toEqual(all.map((d) => d.serial));
    expect(all.length).toBeGreaterThan(3);
    const first = await sdk.getOrganizationDevices({ client, path: { organizationId }, query: { perPage: 3 } });
    expect(parseLinkHeader(first.response.headers.get('link')).next).toMatch(/^\/organizations\/\d+\/devices\?.*startingAfter=/);
  });

  it("follows an absolute link to another host, as Meraki's shards send, with the link's own query", async () => {
    const page = (items: unknown[], link?: string) => ({ status: 200, headers: { 'content-type': 'application/json', ...(link ? { link } : {}) }, body: JSON.stringify(items) });
    api.reply(() => page([{ serial: 'A' }], `<${shard.url}/api/v1/organizations/1/devices?perPage=3&startingAfter=A&serials%5B%5D=x&serials%5B%5D=y>; rel=next, <${shard.url}/api/v1/organizations/1/devices?perPage=3>; rel=first`));
    shard.reply(() => page([{ serial: 'B' }, { serial: 'C' }], `<${shard.url}/api/v1/organizations/1/devices?perPage=3&startingAfter=A&serials%5B%5D=x&serials%5B%5D=y>; rel=next`));
    const client = createClient({ baseUrl: api.url, apiKey: 'k'.repeat(40) });
    const serials: string[] = [];
    for await (const d of paginate(sdk.getOrganizationDevices, { client, path: { organizationId: '1' }, query: { perPage: 3 } })) serials.push(d.serial);
    // The shard's page links to itself: the paginator stops instead of reading it again.
    expect(serials).toEqual(['A', 'B', 'C']);
    expect(shard.received.map((r) => decodeURI(r.path))).toEqual(['/api/v1/organizations/1/devices?perPage=3&startingAfter=A&serials[]=x&serials[]=y']);
    expect(shard.received[0]!.headers.authorization).toBe(`Bearer ${'k'.repeat(40)}`);
  });

  it('resolves links as Boomerang and Meraki send them', () => {
    const at = 'http://h:8080/api/v1/organizations/1/devices?perPage=3';
    expect(resolveLink('/organizations/1/devices?startingAfter=5', at).href).toBe('http://h:8080/api/v1/organizations/1/devices?startingAfter=5');
    expect(resolveLink('/organizations/1/devices?startingAfter=5', 'https://p.example/boomerang/api/v1/organizations/1/devices').href).toBe('https://p.example/boomerang/api/v1/organizations/1/devices?startingAfter=5');
    expect(resolveLink('/api/v1/organizations/1/devices?startingAfter=5', at).href).toBe('http://h:8080/api/v1/organizations/1/devices?startingAfter=5');
    expect(resolveLink('/dongle/devices/?page=2', at).href).toBe('http://h:8080/dongle/devices/?page=2');
    expect(resolveLink('https://n1.meraki.com/api/v1/organizations/1/devices?startingAfter=5', at).href).toBe('https://n1.meraki.com/api/v1/organizations/1/devices?startingAfter=5');
    expect(parseLinkHeader('<https://a/x?a=1,2>; rel="first", </b?c=d>; rel="next prev"')).toEqual({ first: 'https://a/x?a=1,2', next: '/b?c=d', prev: '/b?c=d' });
    expect(parseLinkHeader(null)).toEqual({});
  });
});
