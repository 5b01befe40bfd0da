/**
 * `contract api` against Boomerang itself (every operation and every callback, all passing) and against a faulty
 * implementation kept in the tests (each of its faults reported by name, exit status non-zero).
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApiContract } from '../../src/contract/api-contract.js';
import { apiOperations } from '../../src/contract/api-operations.js';
import { loadContractDocument } from '../../src/contract/contract-document.js';
import { exitStatus, tally, type ContractReport } from '../../src/contract/contract-report.js';
import { startFaultyImplementation, type FaultyImplementation } from '../support/faulty-implementation.js';
import { runCli } from '../support/run-cli.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

describe('contract api against Boomerang', () => {
  let server: TestServer;
  let report: ContractReport;
  beforeAll(async () => {
    // On PostgreSQL the destination guard refuses loopback unless told: the runner's catcher listens there.
    server = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
    const document = await loadContractDocument(`${server.url}/openapi.json`);
    // perPage=3 (the smallest page the spec allows) makes the demo's lists span pages, so that Link pages are followed.
    report = await runApiContract({ document, baseUrl: server.url, token: DEMO_KEY, callbackTimeoutMs: 20_000, fixtures: { parameters: { perPage: 3 } } });
  }, 120_000);
  afterAll(() => server?.stop());

  it('passes every check', () => {
    const failed = report.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.operation}: ${c.check}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(exitStatus(report)).toBe(0);
    expect(report.checks.length).toBeGreaterThan(300);
  });

  it('checks every operation of the spec with a valid request that passed', async () => {
    const { doc } = await loadContractDocument();
    const ids = apiOperations(doc).map((o) => o.id);
    const passedValid = new Set(report.checks.filter((c) => c.outcome === 'pass' && /valid request → 2xx$/.test(c.check)).map((c) => c.operation));
    expect(ids.filter((id) => !passedValid.has(id))).toEqual([]);
  });

  it('receives, checks and verifies every callback, and reads each back through its link', async () => {
    const { doc } = await loadContractDocument();
    const withCallbacks = apiOperations(doc).filter((o) => o.callbacks.length > 0);
    expect(withCallbacks.length).toBeGreaterThanOrEqual(8);
    for (const op of withCallbacks) {
      const name = op.callbacks[0]!.name;
      const rows = report.checks.filter((c) => c.operation === op.id && c.outcome === 'pass').map((c) => c.check.replace(/^example \w+: /, '').replace(/ #\d+/, ''));
      expect(rows, op.id).toEqual(expect.arrayContaining([`callback ${name} arrives`, `callback ${name} matches the spec`, `callback ${name} signature`]));
      expect(rows.some((r) => r.startsWith('via ') && r.endsWith(`matches callback ${name}`)), `${op.id} follow-up`).toBe(true);
    }
    const signatures = report.checks.filter((c) => c.check.includes('signature')).map((c) => c.detail);
    expect(signatures).toEqual(expect.arrayContaining(['standard-webhooks verified', 'x-request-signature verified']));
  });

  it('follows Link pages', () => {
    const pages = report.checks.filter((c) => c.check === 'page 2 via Link next');
    expect(pages.map((c) => c.operation)).toEqual(expect.arrayContaining(['getOrganizationDevices']));
    expect(pages.every((c) => c.outcome === 'pass')).toBe(true);
  });

  it('refuses invalid variants and anonymous requests with a declared 4xx', () => {
    const variants = report.checks.filter((c) => c.check.endsWith('→ 4xx'));
    const anonymous = report.checks.filter((c) => c.check.endsWith('no credentials → 401'));
    expect(variants.length).toBeGreaterThan(20);
    expect(anonymous.length).toBeGreaterThan(40);
    expect([...variants, ...anonymous].every((c) => c.outcome === 'pass' && /^4\d\d$/.test(c.detail ?? ''))).toBe(true);
    // A number where the schema says string: refused, not coerced to text.
    expect(variants.find((c) => c.operation === 'createOrganizationNetwork' && c.check.startsWith('name of the wrong type'))?.detail).toBe('400');
  });

});

describe('contract api against a faulty implementation', () => {
  let faulty: FaultyImplementation;
  beforeAll(async () => {
    faulty = await startFaultyImplementation();
  });
  afterAll(() => faulty?.close());
  const only = ['createDeviceLiveToolsPing', 'createDeviceLiveToolsPingDevice', 'createDeviceLiveToolsWakeOnLan', 'createDeviceLiveToolsArpTable'];

  it('names each fault and exits non-zero', async () => {
    const junit = join(tmpdir(), `contract-faulty-${process.pid}.xml`);
    const args = ['contract', 'api', '--base', faulty.url, '--token', 'faulty-key', '--callback-timeout', '3', '--junit', junit, ...only.flatMap((id) => ['--only', id])];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(1);
    const failures = result.stdout.split('\n').filter((line) => /\bFAIL\b/.test(line));
    const failed = (operation: string, check: string) => failures.some((line) => line.startsWith(operation) && line.includes(check));
    // ping: the callback's shape.
    expect(failed('createDeviceLiveToolsPing', 'callback pingHost matches the spec')).toBe(true);
    expect(result.stdout).toMatch(/body: message\.results\.sent must be integer/);
    // pingDevice: the wrong key.
    expect(failed('createDeviceLiveToolsPingDevice', 'callback pingDevice signature')).toBe(true);
    expect(result.stdout).toMatch(/standard-webhooks signature not verified with the key the request gave/);
    // wakeOnLan: an undeclared status.
    expect(failed('createDeviceLiveToolsWakeOnLan', 'valid request → 2xx')).toBe(true);
    expect(result.stdout).toMatch(/got 202 \(not declared: 201, 400, 401, 404, 429\)/);
    // arpTable: no callback at all.
    expect(failed('createDeviceLiveToolsArpTable', 'callback arpTable arrives')).toBe(true);
    expect(result.stdout).toMatch(/none arrived within 3 s of the request/);
    // What it does right passes: ping's signature verifies, pingDevice's shape matches.
    const xml = new XMLParser({ ignoreAttributes: false }).parse(await readFile(junit, 'utf8')) as {
      testsuites: { '@_failures': string; testsuite: { '@_name': string; testcase: { '@_name': string; failure?: unknown }[] | { '@_name': string; failure?: unknown } }[] };
    };
    const cases = xml.testsuites.testsuite.flatMap((s) => (Array.isArray(s.testcase) ? s.testcase : [s.testcase]).map((c) => ({ suite: s['@_name'], name: c['@_name'], failed: c.failure !== undefined })));
    const junitFailed = cases.filter((c) => c.failed).map((c) => `${c.suite}: ${c.name}`);
    expect(Number(xml.testsuites['@_failures'])).toBe(junitFailed.length);
    // The four faults, and ping's job read back, which disagrees with the malformed callback; nothing else.
    expect(junitFailed.sort()).toEqual([
      'createDeviceLiveToolsArpTable: callback arpTable arrives',
      'createDeviceLiveToolsPing: callback pingHost matches the spec',
      'createDeviceLiveToolsPing: via GetPing: matches callback pingHost',
      'createDeviceLiveToolsPingDevice: callback pingDevice signature',
      'createDeviceLiveToolsWakeOnLan: valid request → 2xx',
    ]);
    expect(cases.find((c) => c.suite === 'createDeviceLiveToolsPing' && c.name === 'callback pingHost signature')?.failed).toBe(false);
    expect(cases.find((c) => c.suite === 'createDeviceLiveToolsPingDevice' && c.name === 'callback pingDevice matches the spec')?.failed).toBe(false);
  }, 60_000);

  it('reports the same through the library', async () => {
    const report = await runApiContract({ document: await loadContractDocument(), baseUrl: faulty.url, token: 'faulty-key', only, callbackTimeoutMs: 3_000 });
    expect(tally(report).fail).toBe(5);
    expect(exitStatus(report)).toBe(1);
  }, 60_000);
});
