/** CORS_ORIGINS: preflights answered before authentication, allowed origins' answers (errors too) carry the headers, others none. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

const APP = 'http://app.example.test:5173';
const STRANGER = 'https://elsewhere.example.test';

/** A preflight as Chromium sends it before a cross-origin request with a key. */
function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
}

function corsHeaders(res: Response): Record<string, string> {
  const found: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) found[name] = value;
  });
  return found;
}

describe('CORS_ORIGINS listing origins', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ CORS_ORIGINS: `${APP}, http://localhost:3000/` });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers a preflight from a listed origin with 204 and the methods and headers, without a key', async () => {
    const res = await preflight(`${t.url}/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, APP);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET,HEAD,POST,PUT,DELETE',
      'access-control-allow-headers': 'Authorization,X-Cisco-Meraki-API-Key,Content-Type,X-Inbox-Secret',
      'access-control-expose-headers': 'Link,Retry-After',
      'access-control-max-age': '600',
    });
    expect(res.headers.get('vary')).toContain('Origin');
    // The trailing slash in the configuration is dropped: browsers send the bare origin.
    expect((await preflight(`${t.url}/api/v1/organizations`, 'http://localhost:3000', 'GET')).headers.get('access-control-allow-origin')).toBe(
      'http://localhost:3000',
    );
  });

  it('refuses a preflight from another origin with 403 and no CORS headers', async () => {
    const res = await preflight(`${t.url}/api/v1/organizations`, STRANGER, 'GET');
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual({});
    expect(await res.json()).toEqual({ errors: [`Cross-origin requests from ${STRANGER} are not allowed; the server's CORS_ORIGINS lists the origins that are`] });
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it("lets a listed origin read answers, Link included, and its errors as {errors}", async () => {
    const ok = await fetch(`${t.url}/api/v1/organizations/${t.demo.organizationId}/devices?perPage=3`, { headers: { Origin: APP, Authorization: `Bearer ${DEMO_KEY}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toBe('Link,Retry-After');
    expect(ok.headers.get('link')).toContain('rel=next');
    expect(ok.headers.get('vary')).toContain('Origin');

    const cases: [string, RequestInit, number][] = [
      ['/api/v1/organizations', {}, 401],
      ['/api/v1/nowhere', { headers: { Authorization: `Bearer ${DEMO_KEY}` } }, 404],
      [`/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, { method: 'POST', headers: { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' }, body: '{"target":' }, 400],
      [`/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, { method: 'POST', headers: { Authorization: `Bearer ${DEMO_KEY}`, 'Content-Type': 'application/json' }, body: '{}' }, 400],
    ];
    for (const [path, init, status] of cases) {
      const res = await fetch(`${t.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), Origin: APP } });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(await res.json()).toEqual({ errors: [expect.any(String)] });
    }
  });

  it('adds nothing for another origin or for a request without Origin', async () => {
    for (const headers of [{ Origin: STRANGER }, {}] as Record<string, string>[]) {
      const res = await fetch(`${t.url}/api/v1/organizations`, { headers: { ...headers, Authorization: `Bearer ${DEMO_KEY}` } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual({});
    }
  });

  it('leaves an OPTIONS that is no preflight to authentication, as any other request', async () => {
    const res = await fetch(`${t.url}/api/v1/organizations`, { method: 'OPTIONS', headers: { Origin: APP } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [expect.stringContaining('API key')] });
  });
});

describe('CORS_ORIGINS unset (the default)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses every preflight with 403 and sends no CORS header on any answer', async () => {
    const res = await preflight(`${t.url}/api/v1/organizations`, APP, 'GET');
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual({});
    const get = await fetch(`${t.url}/api/v1/organizations`, { headers: { Origin: APP, Authorization: `Bearer ${DEMO_KEY}` } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual({});
    expect(get.headers.get('vary')).toBeNull();
  });
});

describe('CORS_ORIGINS=*', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('allows any origin with *, preflights and answers alike', async () => {
    const res = await preflight(`${t.url}/api/v1/organizations`, STRANGER, 'GET');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const get = await fetch(`${t.url}/api/v1/organizations`, { headers: { Origin: STRANGER } });
    expect(get.status).toBe(401);
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });
});
