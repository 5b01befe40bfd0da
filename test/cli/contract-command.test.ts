/** `boomerang contract api` as a real process: its help, its usage errors (exit 2), fixtures, --param and --listen. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyImplementation, type FaultyImplementation } from '../support/faulty-implementation.js';
import { runCli } from '../support/run-cli.js';

describe('boomerang contract api', () => {
  let faulty: FaultyImplementation;
  beforeAll(async () => {
    faulty = await startFaultyImplementation();
  });
  afterAll(() => faulty?.close());

  it('has help, and refuses arguments that do not fit with exit 2 and the reason', async () => {
    const [help, group, noBase, badBase, badListen, badTimeout, unknownOnly, missingSpec, notOpenApi] = await Promise.all([
      runCli(['contract', 'api', '--help']),
      runCli(['contract', '--help']),
      runCli(['contract', 'api']),
      runCli(['contract', 'api', '--base', 'ftp://127.0.0.1/']),
      runCli(['contract', 'api', '--base', faulty.url, '--listen', '127.0.0.1']),
      runCli(['contract', 'api', '--base', faulty.url, '--callback-timeout', '0']),
      runCli(['contract', 'api', '--base', faulty.url, '--only', 'noSuchOperation']),
      runCli(['contract', 'api', '--base', faulty.url, '--spec', '/nonexistent/spec.yaml']),
      runCli(['contract', 'api', '--base', faulty.url, '--spec', 'package.json']),
    ]);
    expect(help.code).toBe(0);
    for (const flag of ['--base URL', '--spec FILE|URL', '--token T', '--fixtures FILE', '--param NAME=VALUE', '--only OPERATION', '--listen HOST:PORT', '--junit FILE']) {
      expect(help.stdout).toContain(flag);
    }
    expect(group.stdout).toMatch(/^  api +test a running implementation/m);
    const usage = [noBase, badBase, badListen, badTimeout, unknownOnly, missingSpec, notOpenApi];
    expect(usage.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(noBase.stderr).toMatch(/missing --base URL/);
    expect(badBase.stderr).toMatch(/--base takes an http: or https: URL/);
    expect(badListen.stderr).toMatch(/--listen takes HOST:PORT/);
    expect(badTimeout.stderr).toMatch(/--callback-timeout takes whole seconds from 1 to 3600, got "0"/);
    expect(unknownOnly.stderr).toMatch(/--only noSuchOperation: no such operationId in the bundled Boomerang spec/);
    expect(missingSpec.stderr).toMatch(/cannot read \/nonexistent\/spec\.yaml: ENOENT/);
    expect(notOpenApi.stderr).toMatch(/package\.json is not an OpenAPI 3\.0 or 3\.1 document/);
  }, 60_000);

  it('takes ids from a fixtures file and --param, and skips what the fixtures say', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contract-fixtures-'));
    const fixtures = join(dir, 'fixtures.yaml');
    await writeFile(fixtures, 'parameters:\n  serial: Q2XX-FIXT-0001\noperations:\n  createDeviceLiveToolsArpTable:\n    skip: not offered by this implementation\n');
    const only = ['--only', 'createDeviceLiveToolsPing', '--only', 'createDeviceLiveToolsArpTable'];
    const [fromFile, fromFlag] = await Promise.all([
      runCli(['contract', 'api', '--base', faulty.url, '--token', 'k', '--fixtures', fixtures, '--all', ...only]),
      runCli(['contract', 'api', '--base', faulty.url, '--token', 'k', '--param', 'serial=Q2XX-FLAG-0002', '--all', '--only', 'createDeviceLiveToolsPing']),
    ]);
    // The faulty ping callback fails either way; what matters here is where the requests went.
    expect(fromFile.stdout).toContain(`${faulty.url}/api/v1/devices/Q2XX-FIXT-0001/liveTools/ping`);
    expect(fromFile.stdout).toMatch(/createDeviceLiveToolsArpTable +request +skip +skipped by the fixtures: not offered by this implementation/);
    expect(fromFile.stdout).not.toMatch(/createDeviceLiveToolsArpTable +valid request/);
    expect(fromFlag.stdout).toContain(`${faulty.url}/api/v1/devices/Q2XX-FLAG-0002/liveTools/ping`);
  }, 60_000);

  it('receives callbacks where --listen says', async () => {
    // A port picked by the test: the callback URLs the runner gives name it.
    const port = 20_000 + (process.pid % 20_000);
    const result = await runCli(['contract', 'api', '--base', faulty.url, '--token', 'k', '--only', 'createDeviceLiveToolsArpTable', '--listen', `127.0.0.1:${port}`, '--callback-timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`"url":"http://127.0.0.1:${port}/contract/`);
    expect(result.stdout).toMatch(/callback arpTable arrives +FAIL +none arrived within 1 s/);
  }, 60_000);
});
