import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { EXAMPLE_INBOX_TOKEN, servedSpec } from '../../src/http/served-spec.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

/** GETs `path` from the test server with `host` as the raw `Host` header (fetch would not send one of its own choosing). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the served spec', () => {
  it('names the origin it was fetched from in servers, as JSON and YAML', async () => {
    const json = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(json.servers[0].url).toBe(t.url);
    const yaml = parseYaml(await (await fetch(`${t.url}/openapi.yaml`)).text());
    expect(yaml.servers[0].url).toBe(t.url);
  });

  it('is otherwise the bundled spec, whose own server is the relative /', async () => {
    const bundled = JSON.parse(readFileSync('generated/openapi.json', 'utf8'));
    expect(bundled.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const json = await (await fetch(`${t.url}/openapi.json`)).json();
    // The examples' placeholder inbox is the demo inbox on this server (what that changes: test/inbox/inbox.test.ts).
    const expected = servedSpec(bundled, t.url, t.server.seeded!.inboxToken);
    expect(JSON.stringify(expected)).not.toContain(EXAMPLE_INBOX_TOKEN);
    expect({ ...json, servers: bundled.servers }).toEqual({ ...expected, servers: bundled.servers });
  });

  it('names the host a client asked for, in its canonical form', async () => {
    const named = JSON.parse((await getWithHost('/openapi.json', 'API.Example.com:8443')).body);
    expect(named.servers[0].url).toBe('http://api.example.com:8443');
    const ipv6 = JSON.parse((await getWithHost('/openapi.json', '[::1]:9000')).body);
    expect(ipv6.servers[0].url).toBe('http://[::1]:9000');
    const defaultPort = JSON.parse((await getWithHost('/openapi.json', 'example.com:80')).body);
    expect(defaultPort.servers[0].url).toBe('http://example.com');
    const hexIpv4 = JSON.parse((await getWithHost('/openapi.json', '0x7f.1:8080')).body);
    expect(hexIpv4.servers[0].url).toBe('http://127.0.0.1:8080');
  });

  it.each(['evil.example/path', 'a b', '<script>alert(1)</script>', 'example.com:99999', 'example.com:0', '[::1', '[not:an:ip]:80', 'user@example.com', 'a..b', '-a.example'])(
    'falls back to the relative / for a Host header that names no host: %s',
    async (host) => {
      const { status, body } = await getWithHost('/openapi.json', host);
      expect(status).toBe(200);
      const spec = JSON.parse(body);
      expect(spec.servers).toEqual([expect.objectContaining({ url: '/' })]);
      expect(JSON.stringify(spec.servers)).not.toContain(host);
    },
  );

  it('is what Swagger UI loads, by URL, so that it calls the origin it is served from', async () => {
    const init = await (await fetch(`${t.url}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"url": "/openapi.json"');
    expect(init).not.toContain('"openapi": "3.1.0"');
  });
});
