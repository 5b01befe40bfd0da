/** The log a person or a machine reads: the real entry point's lines as JSON and as pretty text, and one line per delivery outcome. */
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { RecordingReceiver } from './support/recording-receiver.js';

const KEY = 'c'.repeat(40);
/** A receiver path carrying a token, as real webhook URLs do: it must never reach the log. */
const HOOK = '/hook/tok-3f9a1c?token=s3cr3t';

let receiver: RecordingReceiver;
let main: ChildServer | undefined;

beforeAll(async () => {
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(async () => {
  if (main && main.child.exitCode === null) {
    main.child.kill('SIGTERM');
    await once(main.child, 'exit');
  }
  main = undefined;
});

/** Probes, an API call, and a ping whose callback goes to the receiver; resolves with the callback's id once it arrived. */
async function traffic(url: string): Promise<string> {
  const headers = { Authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/metrics`)).status).toBe(200);
  expect((await fetch(`${url}/api/v1/organizations`, { headers })).status).toBe(200);
  const before = receiver.on(HOOK).length;
  const res = await fetch(`${url}/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}${HOOK}` } }),
  });
  expect(res.status).toBe(201);
  const { callback } = (await res.json()) as { callback: { id: string } };
  await receiver.waitOn(HOOK, before + 1);
  return callback.id;
}

describe('LOG_FORMAT', () => {
  it('is pretty at a terminal and json otherwise, unless LOG_FORMAT says; anything else is refused', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'Pretty' }, false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be pretty or json, got "xml"');
  });

  it('refuses an unknown format at start-up, saying why', async () => {
    main = startChildServer({ LOG_FORMAT: 'logfmt' });
    const [code] = await once(main.child, 'exit');
    expect(code).toBe(1);
    expect(main.output()).toBe('Boomerang cannot start: LOG_FORMAT must be pretty or json, got "logfmt"\n');
  });

  it('writes JSON lines when stdout is not a terminal: one per request, none for probes, one per delivery outcome', async () => {
    main = startChildServer({ LOG_FORMAT: '', SEED_API_KEY: KEY });
    const url = await main.listening;
    const callbackId = await traffic(url);
    const [line] = await main.waitForOutput(/^\{.*"msg":"delivered".*\}$/m);
    const outcome = JSON.parse(line);
    expect(outcome).toMatchObject({ level: 30, callbackId, host: receiver.url.replace('http://', ''), status: 200, attempt: 1, retry: false });
    expect(outcome.durationMs).toEqual(expect.any(Number));
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome).not.toHaveProperty('url');
    const request = JSON.parse((await main.waitForOutput(/^\{.*"msg":"GET \/api\/v1\/organizations 200 \d+ ms".*\}$/m))[0]);
    expect(request).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/v1/organizations', headers: { authorization: '[redacted]' } }, res: { statusCode: 200 } });
    await main.waitForOutput(/"msg":"POST \/api\/v1\/devices\/Q2MS-DEMO-0002\/liveTools\/ping 201 \d+ ms"/);
    const lines = main.output().split('\n').filter((l) => l.startsWith('{'));
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(main.output()).not.toMatch(/\/healthz|\/metrics|tok-3f9a1c|s3cr3t/);
  }, 90_000);

  it('writes one readable line per entry with LOG_FORMAT=pretty', async () => {
    main = startChildServer({ LOG_FORMAT: 'pretty', SEED_API_KEY: KEY });
    const url = (await main.waitForOutput(/^\[[\d:.]+\] INFO: Boomerang listening on (http:\/\/\S+) \{/m))[1]!;
    const callbackId = await traffic(url);
    await main.waitForOutput(/^\[[\d:.]+\] INFO: GET \/api\/v1\/organizations 200 \d+ ms$/m);
    const [, fields] = await main.waitForOutput(/^\[[\d:.]+\] INFO: delivered (\{.*\})$/m);
    expect(JSON.parse(fields!)).toMatchObject({ callbackId, status: 200, attempt: 1, retry: false });
    // Nothing listens on port 9 (discard): no status, so the error's kind, on the same single line.
    const res = await fetch(`${url}/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: '8.8.8.8', count: 1, callback: { url: 'http://127.0.0.1:9/closed' } }),
    });
    expect(res.status).toBe(201);
    const [, failed] = await main.waitForOutput(/^\[[\d:.]+\] INFO: delivery attempt failed; will retry (\{.*\})$/m);
    expect(JSON.parse(failed!)).toMatchObject({ host: '127.0.0.1:9', errorKind: 'network', attempt: 1, retry: true, retryInMs: expect.any(Number) });
    main.child.kill('SIGTERM');
    await once(main.child, 'exit');
    expect(main.output()).toMatch(/^\[[\d:.]+\] INFO: stopped$/m);
    expect(main.output()).not.toMatch(/"level":|\/healthz|\/metrics|tok-3f9a1c|s3cr3t/);
  }, 90_000);
});
