/**
 * `boomerang listen` as a real process on loopback: it verifies Standard Webhooks and X-Request-Signature callbacks
 * with the SDK's receiver kit, rejects tampered and unmatched ones, and forwards accepted ones to a local receiver
 * with the same body and signature headers.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleCallback } from '../../src/callbacks/sample-payloads.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startCli, type RunningCli } from '../support/run-cli.js';
import { DEMO_KEY, startTestServer } from '../support/test-server.js';

const SECRET = `whsec_${Buffer.from('listen-test-key-of-thirty-two-b!').toString('base64')}`;
const TOKEN = 'dongle-api-token';

let receiver: RecordingReceiver;
let listener: RunningCli;
let url: string;
let sequence = 0;

/** POSTs `text` signed with `secret` (Standard Webhooks) as `id`; `tamper` changes the body after signing. */
function signedPost(text: string, { id = `msg_${++sequence}`, secret = SECRET, tamper = (t: string) => t } = {}) {
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(id, timestamp, text);
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
  return { headers, response: fetch(`${url}/hooks/ping`, { method: 'POST', headers, body: tamper(text) }) };
}

/** The listener's output printed after `mark` characters, once it has a line matching `pattern`. */
async function printedAfter(mark: number, pattern: RegExp): Promise<string> {
  await listener.waitForOutput(new RegExp(`[\\s\\S]{${mark}}[\\s\\S]*${pattern.source}`));
  return listener.output().slice(mark);
}

beforeAll(async () => {
  receiver = await RecordingReceiver.start();
  listener = startCli(['listen', '--port', '0', '--secret', SECRET, '--token', TOKEN, '--forward-to', `${receiver.url}/local/hook`]);
  url = (await listener.waitForOutput(/^Listening on (http:\/\/127\.0\.0\.1:\d+) \(any path\)/m))[1]!;
}, 30_000);

afterAll(async () => {
  expect(await listener.stop()).toBe(0);
  expect(listener.output()).toMatch(/Stopped\.\n$/);
  await receiver.close();
});

beforeEach(() => receiver.reply(() => ({ status: 200 })));

describe('boomerang listen', () => {
  it('says what it listens for', () => {
    expect(listener.output()).toMatch(
      new RegExp(`^Listening on ${url} \\(any path\\) for the callbacks of \\d+ operations and \\d+ alerts; signatures verified; forwarding to ${receiver.url}/local/hook\\. Ctrl-C stops\\.\\n`),
    );
  });

  it('accepts a signed ping callback, prints which it is, and forwards it with the same body and signature headers', async () => {
    const mark = listener.output().length;
    const text = JSON.stringify(sampleCallback);
    const { headers, response } = signedPost(text, { id: 'msg_ping' });
    expect((await response).status).toBe(204);
    const printed = await printedAfter(mark, /forwarded to/);
    expect(printed).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d  POST /hooks/ping → 204  accepted: callback of createDeviceLiveToolsPing \\(pingHost\\), schema PingCallback matched, signature verified \\(Standard Webhooks\\), webhook-id msg_ping\\n` +
          `  forwarded to ${receiver.url}/local/hook: 200 in \\d+ ms\\n$`,
      ),
    );
    const [forwarded] = receiver.on('/local/hook');
    expect(forwarded!.method).toBe('POST');
    expect(forwarded!.body).toBe(text);
    for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      expect(forwarded!.headers[name]).toBe(headers[name]);
    }

    // A redelivery of the same webhook-id is answered, printed, and not forwarded again.
    const again = listener.output().length;
    expect((await signedPost(text, { id: 'msg_ping' }).response).status).toBe(204);
    expect(await printedAfter(again, /already handled/)).toMatch(/→ 204  already handled: webhook-id msg_ping was accepted before \(a redelivery\); not forwarded again\n$/);
    expect(receiver.on('/local/hook')).toHaveLength(1);
  });

  it('accepts an alert, and a dongle callback signed with X-Request-Signature', async () => {
    const mark = listener.output().length;
    expect((await signedPost(JSON.stringify(sampleAlert)).response).status).toBe(204);
    // Both alerts share one schema: the body cannot say which it is, and the listener says so.
    expect(await printedAfter(mark, /forwarded/)).toMatch(/→ 204  accepted: alert deviceCameUp or deviceWentDown, schema AlertPayload matched, signature verified \(Standard Webhooks\)/);

    const dongle = JSON.stringify({ response: null, jid: '20261130231512345678', state: 'TIMEOUT', success: false, device_id: '00000000-0000-4000-8000-000000000001' });
    const next = listener.output().length;
    const signature = createHmac('sha256', TOKEN).update(dongle).digest('hex');
    const answer = await fetch(`${url}/dongle`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-signature': signature }, body: dongle });
    expect(answer.status).toBe(204);
    expect(await printedAfter(next, /forwarded/)).toMatch(
      /^\S+  POST \/dongle → 204  accepted: callback of dongle_devices_execute_create or dongle_devices_execute_raw_create \(commandCallback\), schema DongleCommandCallback matched, signature verified \(X-Request-Signature\)\n  forwarded to /,
    );
    expect(receiver.on('/local/hook').at(-1)!.headers['x-request-signature']).toBe(signature);

    const forged = await fetch(`${url}/dongle`, { method: 'POST', headers: { 'x-request-signature': signature }, body: dongle.replace('TIMEOUT', 'COMMAND_EXECUTED') });
    expect(forged.status).toBe(401);
  });

  it('rejects a tampered callback with 401 and a body no contract matches with 400, forwarding neither', async () => {
    const before = receiver.received.length;
    const mark = listener.output().length;
    const tampered = signedPost(JSON.stringify(sampleCallback), { tamper: (t) => t.replace('"complete"', '"failed"') });
    const answer = await tampered.response;
    expect(answer.status).toBe(401);
    expect(await answer.json()).toEqual({ errors: ['no webhook-signature matches the body for the secret'] });
    expect(await printedAfter(mark, /rejected/)).toMatch(/POST \/hooks\/ping → 401  rejected: signature not verified: no webhook-signature matches the body for the secret\n$/);

    const wrongKey = `whsec_${Buffer.from('another-key-of-thirty-two-bytes!').toString('base64')}`;
    expect((await signedPost(JSON.stringify(sampleCallback), { secret: wrongKey }).response).status).toBe(401);
    const unsigned = await fetch(`${url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleCallback) });
    expect(unsigned.status).toBe(401);

    const next = listener.output().length;
    expect((await signedPost(JSON.stringify({ hello: 'world' })).response).status).toBe(400);
    const printed = await printedAfter(next, /rejected: signature verified/);
    expect(printed).toMatch(/→ 400  rejected: signature verified, no callback or alert of the spec matches this body:\n  - createDeviceLiveTools\w+: \(body\) must have required property 'callbackId'\n[\s\S]*  … and \d+ more\n$/);
    expect(receiver.received.length).toBe(before);
  });

  it('answers 500 when the forward fails, so that the sender retries; the retry is forwarded', async () => {
    receiver.reply(() => ({ status: 503 }));
    const mark = listener.output().length;
    const text = JSON.stringify(sampleCallback);
    expect((await signedPost(text, { id: 'msg_retry' }).response).status).toBe(500);
    expect(await printedAfter(mark, /forwarded/)).toMatch(
      new RegExp(`→ 500  accepted, but not handled: callback of createDeviceLiveToolsPing[^\\n]*\\n  forwarded to ${receiver.url}/local/hook: 503 in \\d+ ms; answered 500 so that the sender retries\\n$`),
    );
    receiver.reply(() => ({ status: 200 }));
    const next = listener.output().length;
    expect((await signedPost(text, { id: 'msg_retry' }).response).status).toBe(204);
    expect(await printedAfter(next, /forwarded/)).toMatch(/→ 204  accepted: [^\n]*webhook-id msg_retry\n  forwarded to [^\n]*: 200 in \d+ ms\n$/);
  });

  it('receives a real callback from a Boomerang server: a live tool ping with the listener as its callback URL', async () => {
    const boomerang = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
    try {
      const mark = listener.output().length;
      const started = await fetch(`${boomerang.url}/api/v1/devices/Q2MS-DEMO-0002/liveTools/ping`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ target: '8.8.8.8', count: 2, callback: { url: `${url}/from-boomerang`, sharedSecret: SECRET } }),
      });
      expect(started.status).toBe(201);
      const printed = await printedAfter(mark, /forwarded/);
      expect(printed).toMatch(/POST \/from-boomerang → 204  accepted: callback of createDeviceLiveToolsPing \(pingHost\), schema PingCallback matched, signature verified \(Standard Webhooks\), webhook-id \S+\n/);
      expect(JSON.parse(receiver.on('/local/hook').at(-1)!.body)).toMatchObject({ message: { status: 'complete', request: { serial: 'Q2MS-DEMO-0002' } } });
    } finally {
      await boomerang.stop();
    }
  }, 60_000);
});

describe('boomerang listen without a secret', () => {
  it('accepts callbacks without checking signatures, says so, and prints bodies with --body', async () => {
    const unchecked = startCli(['listen', '--port', '0', '--body']);
    try {
      const at = (await unchecked.waitForOutput(/^Listening on (http:\/\/127\.0\.0\.1:\d+) .*signatures not checked\. Ctrl-C stops\.\n/m))[1]!;
      const text = JSON.stringify(sampleCallback);
      expect((await fetch(`${at}/p`, { method: 'POST', body: text })).status).toBe(204);
      await unchecked.waitForOutput(/accepted/);
      expect(unchecked.output()).toContain(`→ 204  accepted: callback of createDeviceLiveToolsPing (pingHost), schema PingCallback matched, signature not checked (no --secret or --token)\n${text}\n`);
    } finally {
      expect(await unchecked.stop()).toBe(0);
    }
  });
});
