/**
 * The outbound sender on its own, against a real receiver: answers, body cap, Retry-After, timeouts (queued ones too),
 * resets, the connect-time destination guard, and headers a template may not set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSender, defaultSenderOptions } from '../../src/delivery/http-sender.js';
import { RecordingReceiver, type Received } from '../support/recording-receiver.js';

const policy = { allowPrivate: false, allowHosts: new Set(['127.0.0.1']) };
let receiver: RecordingReceiver;
let sender: HttpSender;

beforeAll(async () => {
  receiver = await RecordingReceiver.start();
  sender = new HttpSender(policy, { ...defaultSenderOptions, totalTimeoutMs: 300, connectionsPerOrigin: 2 });
});
afterAll(async () => {
  await sender?.close();
  await receiver?.close();
});

describe('HttpSender', () => {
  it('POSTs the exact body and headers, and reports the status', async () => {
    receiver.reply(() => ({ status: 202 }));
    const result = await sender.send(`${receiver.url}/plain?x=1`, { 'content-type': 'application/json', 'x-test': 'yes' }, '{"a":1}');
    expect(result).toMatchObject({ outcome: { kind: 'response', status: 202 }, responseCode: 202 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/plain?x=1', body: '{"a":1}' });
    expect(request.headers['x-test']).toBe('yes');
  });

  it('keeps the answer when the receiver sends a body over the cap (1 MiB against 64 KiB)', async () => {
    receiver.reply(() => ({ status: 200, body: 'x'.repeat(1024 * 1024) }));
    const result = await sender.send(`${receiver.url}/big`, {}, '{}');
    expect(result).toMatchObject({ outcome: { kind: 'response', status: 200 }, responseCode: 200 });
  });

  it('reads Retry-After on 429', async () => {
    receiver.reply(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const result = await sender.send(`${receiver.url}/busy`, {}, '{}');
    expect(result.outcome).toEqual({ kind: 'response', status: 429, retryAfterSeconds: 7 });
  });

  it('gives up at the total timeout, with no response code', async () => {
    receiver.reply(() => ({ status: 200, delayMs: 2000 }));
    const result = await sender.send(`${receiver.url}/slow`, {}, '{}');
    expect(result.outcome.kind).toBe('timeout');
    expect(result.responseCode).toBeNull();
    // 300 ms timeout, checked every 30 ms.
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('times out a request still queued for a connection at its own deadline', async () => {
    // Two connections, both held by slow answers: the third request waits in the queue.
    receiver.reply(() => ({ status: 200, delayMs: 2000 }));
    const results = await Promise.all([1, 2, 3].map((n) => sender.send(`${receiver.url}/queued-${n}`, {}, '{}')));
    for (const result of results) {
      expect(result.outcome.kind).toBe('timeout');
      expect(result.durationMs).toBeLessThan(1000);
    }
  });

  it('reports a reset connection as a network error, and a URL it cannot parse without throwing', async () => {
    receiver.reply(() => ({ reset: true }));
    const reset = await sender.send(`${receiver.url}/reset`, {}, '{}');
    expect(reset.outcome.kind).toBe('network');
    expect(reset.responseCode).toBeNull();
    const bad = await sender.send('not a url', {}, '{}');
    expect(bad.outcome.kind).toBe('network');
  });

  it('checks the address each connection dials: IP literals as well as names, whatever the URL was allowed as before', async () => {
    const port = new URL(receiver.url).port;
    const strict = new HttpSender({ allowPrivate: false, allowHosts: new Set() }, { ...defaultSenderOptions, totalTimeoutMs: 2000 });
    // Allowing the name allows what it resolves to, not the same address written as a literal.
    const byName = new HttpSender({ allowPrivate: false, allowHosts: new Set(['localhost']) }, { ...defaultSenderOptions, totalTimeoutMs: 2000 });
    try {
      receiver.reply(() => ({ status: 200 }));
      const before = receiver.received.length;
      const refused: [HttpSender, string, string][] = [
        [strict, `http://127.0.0.1:${port}/literal`, '127.0.0.1 is a loopback address'],
        [strict, `http://[::ffff:127.0.0.1]:${port}/mapped`, '::ffff:7f00:1 is an IPv4-mapped address of 127.0.0.1, a loopback address'],
        [strict, `http://localhost:${port}/name`, 'localhost resolved to'],
        [byName, `http://127.0.0.1:${port}/literal-2`, '127.0.0.1 is a loopback address'],
      ];
      for (const [s, url, why] of refused) {
        const result = await s.send(url, {}, '{}');
        expect(result.outcome.kind, url).toBe('blocked');
        expect(result.outcome.kind === 'blocked' && result.outcome.error, url).toContain(`destination refused: ${why}`);
        expect(result.outcome.kind === 'blocked' && result.outcome.error, url).toMatch(/; allow it with CALLBACK_ALLOW_HOSTS or CALLBACK_ALLOW_PRIVATE$/);
        expect(result.responseCode).toBeNull();
      }
      expect(receiver.received.length).toBe(before);
      const allowed = await byName.send(`http://localhost:${port}/allowed-name`, {}, '{}');
      expect(allowed.outcome).toEqual({ kind: 'response', status: 200 });
      expect(receiver.received.at(-1)!.path).toBe('/allowed-name');
    } finally {
      await strict.close();
      await byName.close();
    }
  });

  it("never lets a template's header set or shadow one of the server's, in any letter case", async () => {
    receiver.reply(() => ({ status: 200 }));
    const own = { 'content-type': 'application/json', 'user-agent': 'Boomerang/test', 'webhook-id': 'msg_server', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,server' };
    const templateHeaders = {
      'Webhook-Id': 'msg_forged',
      'WEBHOOK-TIMESTAMP': '1',
      'Webhook-Signature': 'v1,forged',
      'Content-Type': 'text/plain',
      'User-Agent': 'forged',
      'X-Request-Signature': 'forged',
      'X-Custom': 'kept',
    };
    const result = await sender.send(`${receiver.url}/headers`, own, '{}', { templateHeaders });
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    const request = receiver.received.at(-1)!;
    for (const [name, value] of Object.entries(own)) expect(rawValues(request, name), name).toEqual([value]);
    expect(rawValues(request, 'x-request-signature')).toEqual([]);
    expect(rawValues(request, 'x-custom')).toEqual(['kept']);
  });
});

/** Every value of header `name` as it arrived, however it was spelled. */
function rawValues(request: Received, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i]!.toLowerCase() === name) values.push(request.rawHeaders[i + 1]!);
  return values;
}
