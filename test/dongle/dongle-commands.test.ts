/** Dongle commands end to end through the SDK: execute, execute_raw, TIMEOUT, late answers, retries, debug view, read-back. */
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import type { DongleCommandCallback } from '../../generated/client/types.gen.js';
import { CallbackContracts } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { RecordingReceiver, type Received } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

const contracts = await CallbackContracts.compile(loadSpec());

let t: TestServer;
let receiver: RecordingReceiver;
/** The demo dongles by behaviour: answers at once, offline, answers after 3 s. */
const dongles: Record<'online' | 'offline' | 'slow', { id: string; unit_id: string }> = {} as never;

beforeAll(async () => {
  // Retries 100 ms apart, so that a receiver failing six times is seen out within the test.
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms' });
  receiver = await RecordingReceiver.start();
  const { data } = await sdk.dongleDevicesList({ client: t.client });
  const byName = (text: string) => data!.find((d) => d.display.includes(text))!;
  dongles.online = byName('answers at once');
  dongles.offline = byName('offline');
  dongles.slow = byName('slow');
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

/** Checks the X-Request-Signature of a received callback with Node's crypto and with the seed's Python snippet. */
function expectSigned(request: Received, token: string): void {
  const signature = String(request.headers['x-request-signature']);
  const expected = createHmac('sha256', token).update(Buffer.from(request.body, 'utf8')).digest('hex');
  expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
  const python = execFileSync(
    'python3',
    [
      '-c',
      [
        'import hmac, hashlib, sys',
        'hmac_secret, webhook_signature = sys.argv[1], sys.argv[2]',
        'json_body = sys.stdin.buffer.read()',
        "calculated_signature = hmac.new(hmac_secret.encode('utf-8'), json_body, hashlib.sha256).hexdigest()",
        'print(hmac.compare_digest(calculated_signature, webhook_signature))',
      ].join('\n'),
      token,
      signature,
    ],
    { input: Buffer.from(request.body, 'utf8'), encoding: 'utf8' },
  );
  expect(python.trim()).toBe('True');
}

/** The body of a received callback, checked against the spec's callback schema. */
function payloadOf(request: Received, contract = 'dongle_devices_execute_create.commandCallback'): DongleCommandCallback {
  const payload = JSON.parse(request.body) as DongleCommandCallback;
  expect(contracts.check(contract, payload)).toEqual({ valid: true });
  return payload;
}

async function debugView(id: string, jid: string) {
  const { data, response, error } = await sdk.dongleDevicesCallbackRead({ client: t.client, path: { id, jid } });
  return { data: data!, status: response.status, error };
}

describe('execute and execute_raw on the online dongle', () => {
  it('execute: answers {jid, minions}, calls back signed with the seed body, and the debug view lists the request', async () => {
    const before = new Date();
    const { data, response } = await sdk.dongleDevicesExecuteCreate({
      client: t.client,
      path: { id: dongles.online.id },
      body: { command: 'test.ping', callback_url: `${receiver.url}/execute` },
    });
    expect(response.status).toBe(200);
    expect(data!.minions).toEqual([dongles.online.unit_id]);
    const jid = data!.jid;
    expect(jid).toMatch(/^[0-9]{20}$/);
    // The jid is the send time, YYYYMMDDhhmmssffffff in UTC.
    const sentAt = Date.UTC(+jid.slice(0, 4), +jid.slice(4, 6) - 1, +jid.slice(6, 8), +jid.slice(8, 10), +jid.slice(10, 12), +jid.slice(12, 14), +jid.slice(14, 17));
    expect(sentAt).toBeGreaterThanOrEqual(before.getTime());
    expect(sentAt).toBeLessThanOrEqual(Date.now());

    const [request] = await receiver.waitOn('/execute', 1);
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expectSigned(request!, DEMO_KEY);
    const payload = payloadOf(request!);
    expect(Object.keys(payload)).toEqual(['response', 'jid', 'state', 'success', 'device_id']);
    expect(payload).toMatchObject({ jid, state: 'COMMAND_EXECUTED', success: true, device_id: dongles.online.id });
    expect(payload.response).toMatchObject({
      tag: `salt/job/${jid}/ret/${dongles.online.unit_id}`,
      data: { fun_args: [], jid, return: true, retcode: 0, success: true, cmd: '_return', fun: 'test.ping', id: dongles.online.unit_id },
    });
    expect(Object.keys(payload.response!.data)).toEqual(['fun_args', 'jid', 'return', 'retcode', 'success', 'cmd', '_stamp', 'fun', 'id']);

    // The attempt is logged just after the receiver answers.
    await expect.poll(async () => (await debugView(dongles.online.id, jid)).data.sent_requests.length).toBe(1);
    const view = await debugView(dongles.online.id, jid);
    expect(view.status).toBe(200);
    expect(view.data).toMatchObject({
      url: `${receiver.url}/execute`,
      command: { returner: null, command: 'test.ping', arg: [] },
      timeout: 120,
      device_id: dongles.online.id,
    });
    expect(view.data.timeout_task_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(view.data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(view.data.sent_requests).toEqual([{ timestamp: expect.stringMatching(/\.\d{6}Z$/), state: 'COMMAND_EXECUTED', success: true, response_statuscode: 200 }]);
    expect(Date.parse(view.data.sent_requests[0]!.timestamp)).toBeLessThanOrEqual(request!.at);

    // The read-back carries the same return event the callback did.
    const job = await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: dongles.online.id, jid } });
    expect(job.data).toMatchObject({ jid, state: 'COMMAND_EXECUTED', success: true, response: payload.response, callback_url: `${receiver.url}/execute` });
  });

  it('execute passes arg and kwarg to the function, as Salt does', async () => {
    const { data } = await sdk.dongleDevicesExecuteCreate({
      client: t.client,
      path: { id: dongles.online.id },
      body: { command: 'test.arg', arg: [1, 'two'], kwarg: { mode: '01', on: true }, callback_url: `${receiver.url}/kwargs`, callback_timeout: 30 },
    });
    const payload = payloadOf((await receiver.waitOn('/kwargs', 1))[0]!);
    expect(payload.response!.data.fun_args).toEqual([1, 'two', { __kwarg__: true, mode: '01', on: true }]);
    expect(payload.response!.data.return).toEqual({ args: [1, 'two'], kwargs: { mode: '01', on: true } });
    const view = await debugView(dongles.online.id, data!.jid);
    expect(view.data.command).toEqual({ returner: null, command: 'test.arg', arg: [1, 'two', { __kwarg__: true, mode: '01', on: true }] });
    expect(view.data.timeout).toBe(30);
  });

  it('execute_raw parses the command line with Salt typing and quoting', async () => {
    const { data, response } = await sdk.dongleDevicesExecuteRawCreate({
      client: t.client,
      path: { id: dongles.online.id },
      body: { command: `test.arg 42 "two words" '7' flag=true items=[1,2] name="x y"`, callback_url: `${receiver.url}/raw` },
    });
    expect(response.status).toBe(200);
    const [request] = await receiver.waitOn('/raw', 1);
    expectSigned(request!, DEMO_KEY);
    const payload = payloadOf(request!, 'dongle_devices_execute_raw_create.commandCallback');
    expect(payload).toMatchObject({ jid: data!.jid, state: 'COMMAND_EXECUTED', success: true });
    expect(payload.response!.data.return).toEqual({ args: [42, 'two words', '7'], kwargs: { flag: true, items: [1, 2], name: 'x y' } });
  });

  it("an unknown function answers what Salt answers: not available, retcode 1, success false", async () => {
    await sdk.dongleDevicesExecuteRawCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'nosuch.thing', callback_url: `${receiver.url}/unknown` } });
    const payload = payloadOf((await receiver.waitOn('/unknown', 1))[0]!);
    expect(payload).toMatchObject({ state: 'COMMAND_EXECUTED', success: false });
    expect(payload.response!.data).toMatchObject({ return: "'nosuch.thing' is not available.", retcode: 1, success: false });
  });

  it('without callback_url the command still runs and its result is read back; there is no callback to debug', async () => {
    const { data } = await sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'test.echo', arg: ['hello'] } });
    const jid = data!.jid;
    await expect
      .poll(async () => (await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: dongles.online.id, jid } })).data!.state)
      .toBe('COMMAND_EXECUTED');
    const job = await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: dongles.online.id, jid } });
    expect(job.data).toMatchObject({ jid, success: true, callback_url: null, command: { returner: null, command: 'test.echo', arg: ['hello'] } });
    expect(job.data!.response!.data.return).toBe('hello');
    const view = await debugView(dongles.online.id, jid);
    expect(view.status).toBe(404);
    expect(view.error).toEqual({ errors: ['Callback not found: the command was sent without callback_url'] });
  });
});

describe('timeouts', () => {
  it('the offline dongle: one TIMEOUT callback at the deadline, and nothing else', async () => {
    const sentAt = Date.now();
    const { data } = await sdk.dongleDevicesExecuteCreate({
      client: t.client,
      path: { id: dongles.offline.id },
      body: { command: 'test.ping', callback_url: `${receiver.url}/offline`, callback_timeout: 1 },
    });
    const [request] = await receiver.waitOn('/offline', 1);
    expect(request!.at - sentAt).toBeGreaterThanOrEqual(1000);
    expect(request!.at - sentAt).toBeLessThan(2000);
    expectSigned(request!, DEMO_KEY);
    const payload = payloadOf(request!);
    expect(payload).toEqual({ response: null, jid: data!.jid, state: 'TIMEOUT', success: false, device_id: dongles.offline.id });
    const job = await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: dongles.offline.id, jid: data!.jid } });
    expect(job.data).toMatchObject({ state: 'TIMEOUT', success: false, response: null });
    // Give a wrongly scheduled second callback time to show up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.on('/offline')).toHaveLength(1);
  });

  it('the slow dongle with callback_timeout 1: TIMEOUT first, then COMMAND_EXECUTED, and the debug view lists both', async () => {
    const sentAt = Date.now();
    const { data } = await sdk.dongleDevicesExecuteCreate({
      client: t.client,
      path: { id: dongles.slow.id },
      body: { command: 'test.ping', callback_url: `${receiver.url}/slow`, callback_timeout: 1 },
    });
    const [first, second] = await receiver.waitOn('/slow', 2);
    expect(payloadOf(first!)).toMatchObject({ state: 'TIMEOUT', success: false, response: null, jid: data!.jid });
    expect(payloadOf(second!)).toMatchObject({ state: 'COMMAND_EXECUTED', success: true, jid: data!.jid });
    expect(first!.at - sentAt).toBeLessThan(2000);
    // The slow dongle answers 3 s after the command.
    expect(second!.at - sentAt).toBeGreaterThanOrEqual(3000);
    expectSigned(second!, DEMO_KEY);
    await expect.poll(async () => (await debugView(dongles.slow.id, data!.jid)).data.sent_requests.length).toBe(2);
    const view = await debugView(dongles.slow.id, data!.jid);
    expect(view.data.sent_requests.map((r) => [r.state, r.success, r.response_statuscode])).toEqual([
      ['TIMEOUT', false, 200],
      ['COMMAND_EXECUTED', true, 200],
    ]);
    expect(view.data.timeout).toBe(1);
  });
});

describe('retries', () => {
  it('a receiver failing 3 times then answering 200: 4 requests sent, all listed', async () => {
    receiver.reply((_n, request) => {
      if (request.path !== '/flaky') return { status: 200 };
      return { status: receiver.on('/flaky').length <= 3 ? 500 : 200 };
    });
    const { data } = await sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'test.ping', callback_url: `${receiver.url}/flaky` } });
    const requests = await receiver.waitOn('/flaky', 4);
    // Every retry sends the same bytes with the same signature.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['x-request-signature'])).size).toBe(1);
    await expect.poll(async () => (await debugView(dongles.online.id, data!.jid)).data.sent_requests.length).toBe(4);
    const view = await debugView(dongles.online.id, data!.jid);
    expect(view.data.sent_requests.map((r) => r.response_statuscode)).toEqual([500, 500, 500, 200]);
    expect(view.data.sent_requests.every((r) => r.state === 'COMMAND_EXECUTED' && r.success)).toBe(true);
  });

  it('a receiver that always fails: 6 requests (the first and 5 retries), then the callback is failed', async () => {
    receiver.reply((_n, request) => ({ status: request.path === '/down' ? 503 : 200 }));
    const { data } = await sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'test.ping', callback_url: `${receiver.url}/down` } });
    await receiver.waitOn('/down', 6);
    const { db } = t.server.ctx;
    const status = async () => {
      const row = await db
        .selectFrom('callbacks')
        .innerJoin('dongle_commands', 'dongle_commands.callback_id', 'callbacks.id')
        .select('callbacks.status')
        .where('dongle_commands.jid', '=', data!.jid)
        .executeTakeFirstOrThrow();
      return row.status;
    };
    await expect.poll(status).toBe('failed');
    const view = await debugView(dongles.online.id, data!.jid);
    expect(view.data.sent_requests.map((r) => r.response_statuscode)).toEqual([503, 503, 503, 503, 503, 503]);
    // No seventh request comes.
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.on('/down')).toHaveLength(6);
    receiver.reply(() => ({ status: 200 }));
  });
});

describe('bad input and scope', () => {
  const execute = (body: Record<string, unknown>, id = dongles.online.id) =>
    sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id }, body: body as never });

  it('refuses callback_timeout 0 and 601, a missing command, and a callback_url that is not a URL', async () => {
    for (const callback_timeout of [0, 601]) {
      const { response, error } = await execute({ command: 'test.ping', callback_url: `${receiver.url}/x`, callback_timeout });
      expect(response.status).toBe(400);
      expect(JSON.stringify(error)).toContain('callback_timeout');
    }
    const missing = await execute({ arg: [] });
    expect(missing.response.status).toBe(400);
    expect(JSON.stringify(missing.error)).toContain('command');
    const notUrl = await execute({ command: 'test.ping', callback_url: 'not a url' });
    expect(notUrl.response.status).toBe(400);
    expect(JSON.stringify(notUrl.error)).toContain('callback_url');
  });

  it('refuses a raw command line that does not parse, saying why', async () => {
    const { response, error } = await sdk.dongleDevicesExecuteRawCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'test.echo "unterminated' } });
    expect(response.status).toBe(400);
    expect(error!.errors[0]).toMatch(/^command: .*quot/i);
    const notFunction = await sdk.dongleDevicesExecuteRawCreate({ client: t.client, path: { id: dongles.online.id }, body: { command: 'ping 8.8.8.8' } });
    expect(notFunction.response.status).toBe(400);
    expect(notFunction.error!.errors[0]).toBe('command: "ping" is not a module.function name');
  });

  it('refuses a private callback URL when the policy does not allow it', async () => {
    const { response, error } = await execute({ command: 'test.ping', callback_url: 'http://10.0.0.1/hook' });
    expect(response.status).toBe(400);
    expect(error!.errors[0]).toMatch(/10\.0\.0\.1/);
  });

  it("answers 404 for an unknown dongle, another organization's dongle, and another dongle's jid", async () => {
    const unknown = await execute({ command: 'test.ping' }, '0f0f0f0f-0000-4000-8000-000000000000');
    expect(unknown.response.status).toBe(404);
    const foreign = await execute({ command: 'test.ping' }, t.other.dongleId);
    expect(foreign.response.status).toBe(404);
    const { data } = await execute({ command: 'test.ping', callback_url: `${receiver.url}/scope` });
    const elsewhere = await debugView(dongles.slow.id, data!.jid);
    expect(elsewhere.status).toBe(404);
    const otherCaller = await sdk.dongleDevicesCallbackRead({ client: t.otherClient, path: { id: dongles.online.id, jid: data!.jid } });
    expect(otherCaller.response.status).toBe(404);
    const badJid = await debugView(dongles.online.id, '123');
    expect(badJid.status).toBe(400);
  });

  it('forgets a command and its callback once they expire (2 days by default)', async () => {
    const { data } = await execute({ command: 'test.ping', callback_url: `${receiver.url}/expiry` });
    await receiver.waitOn('/expiry', 1);
    expect((await debugView(dongles.online.id, data!.jid)).status).toBe(200);
    const row = await t.server.ctx.db.selectFrom('dongle_commands').select(['created_at', 'expires_at']).where('jid', '=', data!.jid).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(2 * 24 * 3600 * 1000);
    await sql`update dongle_commands set expires_at = now() - interval '1 second' where jid = ${data!.jid}`.execute(t.server.ctx.db);
    expect((await debugView(dongles.online.id, data!.jid)).status).toBe(404);
    expect((await sdk.dongleDevicesJobsRead({ client: t.client, path: { id: dongles.online.id, jid: data!.jid } })).response.status).toBe(404);
  });

  it('hands out distinct, increasing jids to commands sent at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => execute({ command: 'test.ping' })));
    const jids = results.map((r) => r.data!.jid);
    expect(new Set(jids).size).toBe(20);
    expect([...jids].sort()).toEqual([...jids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
  });
});
