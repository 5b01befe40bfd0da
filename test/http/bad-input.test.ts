/** Client mistakes answer the right 4xx as `{"errors": [...]}`, never a 5xx; optional bodies may be left out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { MAX_ROW_ID, isRowId } from '../../src/db/row-id.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let org: string;
let net: string;
let dongleId: string;

beforeAll(async () => {
  t = await startTestServer();
  org = t.demo.organizationId;
  net = t.demo.networkIds[0]!;
  const dongle = await t.server.ctx.db.selectFrom('devices').select('dongle_id').where('serial', '=', 'Q2AP-DEMO-0101').executeTakeFirstOrThrow();
  dongleId = dongle.dongle_id!;
});
afterAll(async () => {
  await t?.stop();
});

/** Sends a request as written (path already percent-encoded, body as raw text) and reads the answer. */
async function send(method: string, path: string, body?: string): Promise<{ status: number; json: unknown }> {
  const res = await request(`${t.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${DEMO_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

const BEYOND = '9999999999999999999';

describe('ids above the bigint maximum', () => {
  it('isRowId takes digits up to 2^63 - 1 only', () => {
    expect(isRowId(MAX_ROW_ID)).toBe(true);
    expect(isRowId('1')).toBe(true);
    expect(isRowId('9223372036854775808')).toBe(false);
    expect(isRowId(BEYOND)).toBe(false);
    expect(isRowId('18446744073709551616')).toBe(false);
    expect(isRowId('')).toBe(false);
    expect(isRowId('-1')).toBe(false);
    expect(isRowId('1e3')).toBe(false);
  });

  it('answer 404 in a path, as an unknown id does', async () => {
    const cases: [string, string][] = [
      [`/api/v1/networks/${BEYOND}`, 'Network not found'],
      [`/api/v1/organizations/${BEYOND}`, 'Organization not found'],
      [`/api/v1/organizations/${org}/webhooks/callbacks/statuses/${BEYOND}`, 'Callback not found'],
      [`/api/v1/devices/Q2MX-DEMO-0001/liveTools/ping/${BEYOND}`, 'Job not found'],
      [`/api/v1/organizations/${org}/actionBatches/${BEYOND}`, 'Action batch not found'],
      [`/api/v1/networks/${net}/webhooks/webhookTests/${BEYOND}`, 'Webhook test not found'],
    ];
    for (const [path, message] of cases) {
      expect(await send('GET', path), path).toEqual({ status: 404, json: { errors: [message] } });
    }
  });

  it('answer 400 naming the cursor, and match nothing in a filter', async () => {
    for (const name of ['startingAfter', 'endingBefore']) {
      const res = await send('GET', `/api/v1/organizations/${org}/networks?${name}=${BEYOND}`);
      expect(res.status).toBe(400);
      expect((res.json as { errors: string[] }).errors[0]).toMatch(new RegExp(`^${name} `));
    }
    expect(await send('GET', `/api/v1/organizations/${org}/devices?networkIds[]=${BEYOND}`)).toEqual({ status: 200, json: [] });
    // An action naming such a network is refused like one naming an unknown network.
    const batch = await send('POST', `/api/v1/organizations/${org}/actionBatches`, JSON.stringify({ actions: [{ resource: `/networks/${BEYOND}`, operation: 'update', body: { notes: 'x' } }] }));
    expect(batch.status).toBe(400);
  });
});

describe('text no column can hold', () => {
  it('NUL in a body string, at any depth, is a 400 naming where', async () => {
    expect(await send('PUT', '/api/v1/devices/Q2MR-DEMO-0003', '{"name":"a\\u0000b"}')).toEqual({
      status: 400,
      json: { errors: ['body.name: must not contain NUL (\\u0000)'] },
    });
    const deep = await send('PUT', '/api/v1/devices/Q2MR-DEMO-0003', '{"tags":["ok","x\\u0000"]}');
    expect(deep).toEqual({ status: 400, json: { errors: ['body.tags[1]: must not contain NUL (\\u0000)'] } });
    const key = await send('PUT', '/api/v1/devices/Q2MR-DEMO-0003', '{"a\\u0000":1}');
    expect(key.status).toBe(400);
    expect((key.json as { errors: string[] }).errors[0]).toMatch(/^body: property name/);
  });

  it('NUL in a path or query value is a 400', async () => {
    const path = await send('GET', `/api/v1/networks/${net}/webhooks/payloadTemplates/%00`);
    expect(path.status).toBe(400);
    expect((path.json as { errors: string[] }).errors[0]).toMatch(/^path: segment \d+ must not contain NUL/);
    expect(await send('GET', `/api/v1/organizations/${org}/devices?name=a%00`)).toEqual({
      status: 400,
      json: { errors: ['query.name: must not contain NUL (\\u0000)'] },
    });
  });

  it('a lone surrogate in an SSID name is a 400, and the SSID is unchanged', async () => {
    const before = await send('GET', `/api/v1/networks/${net}/wireless/ssids/0`);
    const res = await send('PUT', `/api/v1/networks/${net}/wireless/ssids/0`, '{"name":"a\\ud800b"}');
    expect(res).toEqual({ status: 400, json: { errors: ['body.name: must be valid Unicode (a lone surrogate has no UTF-8 form)'] } });
    expect(await send('GET', `/api/v1/networks/${net}/wireless/ssids/0`)).toEqual(before);
    // A well-formed pair (an emoji) is ordinary text.
    const emoji = await send('PUT', `/api/v1/networks/${net}/wireless/ssids/0`, '{"name":"a\\ud83d\\ude00b"}');
    expect(emoji.status).toBe(200);
    expect((emoji.json as { name: string }).name).toBe('a😀b');
  });

  it('a malformed percent-encoding in the path is a 400', async () => {
    const res = await send('GET', '/api/v1/devices/%ED%A0%80');
    expect(res.status).toBe(400);
    expect((res.json as { errors: string[] }).errors[0]).toMatch(/^path: segment 4 .* is not valid percent-encoded UTF-8$/);
  });

  it('a body nested deeper than 32 levels is a 400', async () => {
    const res = await send('PUT', '/api/v1/devices/Q2MR-DEMO-0003', `{"notes":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    expect(res.status).toBe(400);
    expect((res.json as { errors: string[] }).errors[0]).toMatch(/nested deeper than 32 levels$/);
  });
});

describe('numbers in query and path parameters', () => {
  it('refuses exponent forms and non-finite values, naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/v1/organizations?perPage=1e400', 'query.perPage: must be an integer in plain decimal digits, got "1e400"'],
      ['/api/v1/organizations?perPage=1e2', 'query.perPage: must be an integer in plain decimal digits, got "1e2"'],
      ['/api/v1/organizations?perPage=0x10', 'query.perPage: must be an integer in plain decimal digits, got "0x10"'],
      [`/api/v1/organizations/${org}/webhooks/logs?timespan=1e400`, 'query.timespan: must be a number in plain decimal digits, got "1e400"'],
      [`/api/v1/organizations/${org}/webhooks/logs?timespan=1${'0'.repeat(400)}`, `query.timespan: is out of range, got "1${'0'.repeat(400)}"`],
      [`/api/v1/networks/${net}/wireless/ssids/1e1`, 'path.number: must be an integer in plain decimal digits, got "1e1"'],
    ];
    for (const [path, message] of cases) expect(await send('GET', path), path).toEqual({ status: 400, json: { errors: [message] } });
  });

  it('takes plain decimals as before', async () => {
    expect((await send('GET', '/api/v1/organizations?perPage=3')).status).toBe(200);
    expect((await send('GET', `/api/v1/organizations/${org}/webhooks/logs?timespan=3600.5`)).status).toBe(200);
    expect((await send('GET', `/api/v1/networks/${net}/wireless/ssids/14`)).status).toBe(200);
  });

  it('refuses a body number too large for a double', async () => {
    const res = await send('PUT', '/api/v1/devices/Q2MR-DEMO-0003', '{"lat":1e400}');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ errors: ['body.lat: number is out of range'] });
  });
});

describe('optional bodies', () => {
  it('arpTable and pingDevice start with no body at all (201)', async () => {
    const arp = await send('POST', '/api/v1/devices/Q2MS-DEMO-0002/liveTools/arpTable');
    expect(arp.status).toBe(201);
    expect(arp.json).toMatchObject({ request: { serial: 'Q2MS-DEMO-0002' }, status: 'new' });
    const ping = await send('POST', '/api/v1/devices/Q2MR-DEMO-0003/liveTools/pingDevice');
    expect(ping.status).toBe(201);
    expect(ping.json).toMatchObject({ request: { serial: 'Q2MR-DEMO-0003', count: 5 }, status: 'new' });
  });
});

describe('paths are exact', () => {
  it('an upper-case path is a 404 with the errors shape', async () => {
    const res = await send('GET', `/DONGLE/DEVICES/${dongleId}/`);
    expect(res).toEqual({ status: 404, json: { errors: [`No resource at GET /DONGLE/DEVICES/${dongleId}/`] } });
    expect((await send('GET', `/API/V1/NETWORKS/${net}`)).status).toBe(404);
    // The documented spelling still works.
    expect((await send('GET', `/dongle/devices/${dongleId}/`)).status).toBe(200);
  });

  it('an empty path segment is a 404, not a 501', async () => {
    expect(await send('GET', '/dongle/devices//')).toEqual({ status: 404, json: { errors: ['No resource at GET /dongle/devices// (empty path segment)'] } });
    expect((await send('GET', `/api/v1//networks/${net}`)).status).toBe(404);
  });

  it("a request line longer than Node's header limit is a 431 with the errors shape", async () => {
    const res = await request(`${t.url}/api/v1/organizations?q=${'x'.repeat(20_000)}`, { headers: { authorization: `Bearer ${DEMO_KEY}` } });
    expect(res.statusCode).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(await res.body.json()).toEqual({ errors: ['Request line and headers exceed 16384 bytes'] });
  });
});
