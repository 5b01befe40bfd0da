/**
 * `contract receiver` against real receivers on loopback: one built with the SDK's receiver kit passes every check,
 * a careless one that answers 200 to anything fails exactly the negative cases, named; the command runs end to end
 * with its JUnit report; and a 3.0 document's signing is inferred from the headers it declares.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertContracts, callbackContracts, type AlertName, type CallbackOperation } from '../../generated/callbacks.gen.js';
import { loadContractDocument, type ContractDocument } from '../../src/contract/contract-document.js';
import { exitStatus, tally, type Check } from '../../src/contract/contract-report.js';
import { ReceiverContractError, runReceiverContract } from '../../src/contract/receiver-contract.js';
import { callbackHandler } from '../../src/sdk/callback-handler.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { runCli } from '../support/run-cli.js';

const SECRET = `whsec_${Buffer.from('receiver-contract-test-key-32-b!').toString('base64')}`;
const TOKEN = 'dongle-api-token';

/** The Standard Webhooks callbacks and the webhooks of Boomerang's spec, as reports name them. */
const STANDARD = [
  'callback pingHost of createDeviceLiveToolsPing',
  'callback pingDevice of createDeviceLiveToolsPingDevice',
  'callback wakeOnLan of createDeviceLiveToolsWakeOnLan',
  'callback arpTable of createDeviceLiveToolsArpTable',
  'callback cableTest of createDeviceLiveToolsCableTest',
  'callback actionBatch of createOrganizationActionBatch',
  'webhook deviceWentDown',
  'webhook deviceCameUp',
];
/** The X-Request-Signature callbacks (AutoPi's dongle commands). */
const DONGLE = ['callback commandCallback of dongle_devices_execute_create', 'callback commandCallback of dongle_devices_execute_raw_create'];

let document: ContractDocument;
let kit: Server;
let kitUrl: string;
let handled: string[] = [];
let careless: RecordingReceiver;

beforeAll(async () => {
  document = await loadContractDocument();
  kit = createServer(
    callbackHandler({
      callbacks: Object.keys(callbackContracts) as CallbackOperation[],
      alerts: Object.keys(alertContracts) as AlertName[],
      secret: SECRET,
      token: TOKEN,
      onCallback: (received) => void handled.push(received.webhookId ?? 'no webhook-id'),
    }),
  );
  await new Promise<void>((resolve) => kit.listen(0, '127.0.0.1', resolve));
  kitUrl = `http://127.0.0.1:${(kit.address() as AddressInfo).port}/hooks`;
  careless = await RecordingReceiver.start();
});

afterAll(async () => {
  await new Promise((resolve) => kit?.close(resolve));
  await careless?.close();
});

/** [operation, check, outcome] of each check, for comparing whole reports. */
const rows = (checks: Check[]) => checks.map((c) => [c.operation, c.check, c.outcome]);

describe('contract receiver against the SDK receiver kit', () => {
  it('passes every check it can make, and the kit acts once per message', async () => {
    handled = [];
    const report = await runReceiverContract({ document, url: kitUrl, secret: SECRET, token: TOKEN });
    expect(report.checks.filter((c) => c.outcome === 'fail')).toEqual([]);
    // 9 checks for each callback; 8 for each webhook, whose schema sample has every property required.
    expect([exitStatus(report), report.checks.length, tally(report)]).toEqual([0, 88, { pass: 82, fail: 0, skip: 6 }]);

    expect(rows(report.checks.filter((c) => c.operation === STANDARD[0]))).toEqual([
      [STANDARD[0], 'example → 2xx', 'pass'],
      [STANDARD[0], 'schema sample → 2xx', 'pass'],
      [STANDARD[0], 'schema sample, required properties only → 2xx', 'pass'],
      [STANDARD[0], 'redelivery (same webhook-id, same body) → 2xx', 'pass'],
      [STANDARD[0], 'replay (same webhook-id, another body) → 4xx', 'pass'],
      [STANDARD[0], 'bad signature → 4xx', 'pass'],
      [STANDARD[0], 'no signature → 4xx', 'pass'],
      [STANDARD[0], 'stale timestamp (10 min old) → 4xx', 'pass'],
      [STANDARD[0], 'body breaks the schema → 4xx', 'pass'],
    ]);
    expect(rows(report.checks.filter((c) => c.operation === DONGLE[0]))).toEqual([
      [DONGLE[0], 'example "commandExecuted" → 2xx', 'pass'],
      [DONGLE[0], 'example "timeout" → 2xx', 'pass'],
      [DONGLE[0], 'schema sample → 2xx', 'pass'],
      [DONGLE[0], 'redelivery (same webhook-id, same body) → 2xx', 'skip'],
      [DONGLE[0], 'replay (same webhook-id, another body) → 4xx', 'skip'],
      [DONGLE[0], 'bad signature → 4xx', 'pass'],
      [DONGLE[0], 'no signature → 4xx', 'pass'],
      [DONGLE[0], 'stale timestamp (10 min old) → 4xx', 'skip'],
      [DONGLE[0], 'body breaks the schema → 4xx', 'pass'],
    ]);
    // Every callback and webhook of the spec, in the spec's order; the six skips are the dongle callbacks' (no
    // webhook-id declared, no timestamp signed).
    expect([...new Set(report.checks.map((c) => c.operation))]).toEqual([...STANDARD.slice(0, 6), ...DONGLE, ...STANDARD.slice(6)]);
    expect(report.checks.filter((c) => c.outcome === 'skip').map((c) => [c.operation, c.detail])).toEqual(
      DONGLE.flatMap((d) => [
        [d, 'it carries no webhook-id (none is declared), so a redelivery cannot be told from another callback'],
        [d, 'it carries no webhook-id (none is declared), so a redelivery cannot be told from another callback'],
        [d, 'X-Request-Signature signs no timestamp'],
      ]),
    );

    const detail = (operation: string, check: string) => report.checks.find((c) => c.operation === operation && c.check.startsWith(check))?.detail;
    expect(detail(STANDARD[0]!, 'replay')).toMatch(/^answered 422: webhook-id msg_[0-9a-f]{32} was received before with another body/);
    expect(detail(STANDARD[0]!, 'bad signature')).toBe('answered 401: no webhook-signature matches the body for the secret');
    expect(detail(STANDARD[0]!, 'stale timestamp')).toMatch(/^answered 401: webhook-timestamp \d+ is more than 300 s from now/);
    expect(detail(STANDARD[0]!, 'body breaks')).toMatch(/^the example without its "callbackId": answered 400: /);
    expect(detail(DONGLE[0]!, 'bad signature')).toBe('answered 401: X-Request-Signature does not match the body for the token');
    expect(detail(DONGLE[0]!, 'no signature')).toBe('answered 401: missing webhook-signature or X-Request-Signature header');

    // Each accepted body once: the redeliveries were acknowledged without being handed over again.
    const accepted = report.checks.filter((c) => c.outcome === 'pass' && c.check.endsWith('→ 2xx') && !c.check.startsWith('redelivery'));
    expect(handled).toHaveLength(accepted.length);
    expect(new Set(handled.filter((id) => id !== 'no webhook-id')).size).toBe(handled.filter((id) => id !== 'no webhook-id').length);
  });

  it('takes a specific status as what a case expects, and fails the check when another comes', async () => {
    const report = await runReceiverContract({
      document,
      url: kitUrl,
      secret: SECRET,
      only: ['createDeviceLiveToolsPing'],
      expect: { badSignature: 401, badBody: '400,422', replay: 409 },
    });
    expect(report.checks.map((c) => [c.check, c.outcome]).slice(4)).toEqual([
      ['replay (same webhook-id, another body) → 409', 'fail'],
      ['bad signature → 401', 'pass'],
      ['no signature → 4xx', 'pass'],
      ['stale timestamp (10 min old) → 4xx', 'pass'],
      ['body breaks the schema → 400 or 422', 'pass'],
    ]);
    expect(report.checks[4]!.detail).toMatch(/^answered 422: .*; expected 409: webhook-id msg_\w+ was accepted before with another body/);
  });

  it('refuses options it cannot use, before sending anything', async () => {
    const refused = (options: Partial<Parameters<typeof runReceiverContract>[0]>) =>
      runReceiverContract({ document, url: kitUrl, ...options }).then(() => 'ran', (err: Error) => `${err.name}: ${err.message}`);
    expect(await refused({ only: ['pingHost', 'nope'] })).toMatch(/^ReceiverContractError: the bundled Boomerang spec has no callback or webhook named "nope"; it has createDeviceLiveToolsPing\.pingHost, /);
    expect(await refused({ expect: { badBody: '4x' } })).toMatch(/^ReceiverContractError: badBody: "4x" is not a status/);
    expect(await refused({ url: 'ftp://127.0.0.1/' })).toBe('ReceiverContractError: the receiver\'s URL must be http or https, got "ftp://127.0.0.1/"');
    expect(await refused({ secret: 'whsec_c2hvcnQ=' })).toMatch(/^ReceiverContractError: the secret cannot sign: .*this key has 5 bytes/);
    expect(new ReceiverContractError('x')).toBeInstanceOf(Error);
  });
});

describe('contract receiver against a careless receiver (200 to anything)', () => {
  it('fails the negative cases, each named, and sends only to the URL it was given', async () => {
    const before = careless.received.length;
    const report = await runReceiverContract({ document, url: `${careless.url}/careless`, secret: SECRET, token: TOKEN });
    expect(exitStatus(report)).toBe(1);
    const failed = report.checks.filter((c) => c.outcome === 'fail').map((c) => [c.operation, c.check]);
    expect(failed).toEqual([
      ...STANDARD.slice(0, 6).flatMap((o) => [
        [o, 'replay (same webhook-id, another body) → 4xx'],
        [o, 'bad signature → 4xx'],
        [o, 'no signature → 4xx'],
        [o, 'stale timestamp (10 min old) → 4xx'],
        [o, 'body breaks the schema → 4xx'],
      ]),
      ...DONGLE.flatMap((o) => [
        [o, 'bad signature → 4xx'],
        [o, 'no signature → 4xx'],
        [o, 'body breaks the schema → 4xx'],
      ]),
      ...STANDARD.slice(6).flatMap((o) => [
        [o, 'replay (same webhook-id, another body) → 4xx'],
        [o, 'bad signature → 4xx'],
        [o, 'no signature → 4xx'],
        [o, 'stale timestamp (10 min old) → 4xx'],
        [o, 'body breaks the schema → 4xx'],
      ]),
    ]);
    const replay = report.checks.find((c) => c.outcome === 'fail' && c.check.startsWith('replay'))!;
    expect(replay.detail).toMatch(/^answered 200: ok; expected 4xx: webhook-id (msg_\w+) was accepted before with another body \(this is the schema sample\)/);
    expect(replay.request).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/careless \(webhook-id: msg_\w+, webhook-timestamp: \d+\) \{"callbackId":/);

    const sent = careless.received.slice(before);
    expect(sent).toHaveLength(report.checks.filter((c) => c.outcome !== 'skip').length);
    expect(new Set(sent.map((r) => `${r.method} ${r.path}`))).toEqual(new Set(['POST /careless']));
  });
});

describe('boomerang contract receiver', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'contract-receiver-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the report, writes JUnit XML, and exits 1 when a check failed', async () => {
    const junit = join(dir, 'receiver.xml');
    const args = ['contract', 'receiver', '--url', `${careless.url}/cli`, '--secret', SECRET, '--token', TOKEN, '--junit', junit];
    const [cli, usage] = await Promise.all([
      runCli([...args, '--only', 'createDeviceLiveToolsPing.pingHost', '--only', 'dongle_devices_execute_create', '--expect', 'bad-signature=401', '--timeout', '5']),
      runCli(['contract', 'receiver', '--secret', SECRET]),
    ]);
    expect([cli.code, cli.stderr]).toEqual([1, '']);
    expect(cli.stdout).toMatch(/^operation +check +result +detail\n/);
    expect(cli.stdout).toMatch(/^callback pingHost of createDeviceLiveToolsPing +bad signature → 401 +FAIL +answered 200: ok; expected 401: /m);
    expect(cli.stdout).toMatch(/\n18 checks: 7 passed, 8 failed, 3 skipped, in \d+\.\d s \(contract receiver http:\/\/127\.0\.0\.1:\d+\/cli\)\nJUnit XML written to .+receiver\.xml\n$/);

    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(junit, 'utf8')) as {
      testsuites: { testsuite: { name: string; tests: string; failures: string; skipped: string; testcase: { name: string; failure?: unknown }[] }[] };
    };
    const suites = xml.testsuites.testsuite;
    expect(suites.map((s) => [s.name, Number(s.tests), Number(s.failures), Number(s.skipped)])).toEqual([
      [STANDARD[0], 9, 5, 0],
      [DONGLE[0], 9, 3, 3],
    ]);
    expect(suites[0]!.testcase.filter((t) => t.failure !== undefined).map((t) => t.name)).toEqual([
      'replay (same webhook-id, another body) → 4xx',
      'bad signature → 401',
      'no signature → 4xx',
      'stale timestamp (10 min old) → 4xx',
      'body breaks the schema → 4xx',
    ]);

    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/^boomerang: missing --url\n\nUsage: boomerang contract receiver --url URL /)]);
    // Two processes starting tsx: seconds on a loaded machine.
  }, 60_000);
});

describe('contract receiver on an OpenAPI 3.0 document', () => {
  it('infers the signing from the headers a callback declares, and says what it cannot check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-receiver-30-'));
    const file = join(dir, 'spec.json');
    const body = (example: unknown) => ({
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^evt_[0-9]{4}$' } } }, example } },
    });
    writeFileSync(
      file,
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'Hooks', version: '1' },
        paths: {
          '/subscriptions': {
            post: {
              operationId: 'subscribe',
              responses: { '201': { description: 'subscribed' } },
              callbacks: {
                signed: {
                  '{$request.body#/url}': {
                    post: {
                      parameters: [
                        { name: 'webhook-signature', in: 'header', schema: { type: 'string' } },
                        { name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' }, example: 'acme' },
                      ],
                      requestBody: body({ id: 'evt_0001' }),
                      responses: { '200': { description: 'ok' } },
                    },
                  },
                },
                unsigned: {
                  '{$request.body#/url}': { post: { requestBody: body({ id: 'evt_0002' }), responses: { '200': { description: 'ok' } } } },
                },
              },
            },
          },
        },
      }),
    );
    try {
      const before = careless.received.length;
      const report = await runReceiverContract({ document: await loadContractDocument(file), url: `${careless.url}/v30`, secret: SECRET });
      expect(rows(report.checks)).toEqual([
        ['callback signed of subscribe', 'example → 2xx', 'pass'],
        ['callback signed of subscribe', 'schema sample → 2xx', 'pass'],
        ['callback signed of subscribe', 'redelivery (same webhook-id, same body) → 2xx', 'pass'],
        ['callback signed of subscribe', 'replay (same webhook-id, another body) → 4xx', 'fail'],
        ['callback signed of subscribe', 'bad signature → 4xx', 'fail'],
        ['callback signed of subscribe', 'no signature → 4xx', 'fail'],
        ['callback signed of subscribe', 'stale timestamp (10 min old) → 4xx', 'fail'],
        ['callback signed of subscribe', 'body breaks the schema → 4xx', 'fail'],
        ['callback unsigned of subscribe', 'example → 2xx', 'pass'],
        ['callback unsigned of subscribe', 'schema sample → 2xx', 'pass'],
        ['callback unsigned of subscribe', 'redelivery (same webhook-id, same body) → 2xx', 'skip'],
        ['callback unsigned of subscribe', 'replay (same webhook-id, another body) → 4xx', 'skip'],
        ['callback unsigned of subscribe', 'bad signature → 4xx', 'skip'],
        ['callback unsigned of subscribe', 'no signature → 4xx', 'skip'],
        ['callback unsigned of subscribe', 'stale timestamp (10 min old) → 4xx', 'skip'],
        ['callback unsigned of subscribe', 'body breaks the schema → 4xx', 'fail'],
      ]);
      expect(report.checks[12]!.detail).toBe('the document does not say how it is signed (no x-signature, no signature header declared)');
      const [first, sample] = careless.received.slice(before);
      expect(first!.headers).toMatchObject({ 'x-tenant': 'acme', 'content-type': 'application/json', 'webhook-id': expect.stringMatching(/^msg_/) });
      expect(first!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      // The sample follows the pattern, which openapi-sampler alone does not.
      expect(JSON.parse(sample!.body)).toEqual({ id: 'evt_0000' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
