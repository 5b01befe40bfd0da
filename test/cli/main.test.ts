/** The `boomerang` entry point as a real process: help at every level, usage errors exit 2, failures one line exit 1. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('boomerang', () => {
  it('--help lists every subcommand, and each subcommand has its own help', async () => {
    // Each run is a process of its own: started together, they take the time of one.
    const [top, keys, create, listen, migrate] = await Promise.all([
      runCli(['--help']),
      runCli(['keys', '--help']),
      runCli(['keys', 'create', '-h']),
      runCli(['listen', '--help']),
      runCli(['migrate', '--help']),
    ]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: boomerang <command> \[options\]\n/);
    for (const name of ['keys', 'migrate', 'listen', 'contract']) expect(top.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));

    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/^Usage: boomerang keys <command>/);
    for (const name of ['create', 'list', 'revoke']) expect(keys.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));

    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/^Usage: boomerang keys create --admin EMAIL \[--name NAME --organization ID \.\.\.\]\n/);
    expect(create.stdout).toMatch(/--organization ID +an organization the new admin may use \(repeatable\)/);

    expect(listen.code).toBe(0);
    for (const flag of ['--port N', '--secret S', '--token T', '--forward-to URL']) expect(listen.stdout).toContain(flag);

    expect(migrate.stdout).toMatch(/^Usage: boomerang migrate\n/);
    expect(top.stderr + keys.stderr + create.stderr + listen.stderr + migrate.stderr).toBe('');
  });

  it('an unknown subcommand or option, or a missing one, exits 2 with the usage of the command concerned', async () => {
    const [unknown, flag, none, sub, missing, email, port, remote] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['keys', 'list', '--all']),
      runCli([]),
      runCli(['keys', 'rotate']),
      runCli(['keys', 'revoke']),
      runCli(['keys', 'create', '--admin', 'ops']),
      runCli(['listen', '--port', 'http']),
      runCli(['listen', '--forward-to', 'http://192.0.2.1/hook']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^boomerang: unknown command "frobnicate"\n\nUsage: boomerang <command>/);

    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^boomerang: unknown option "--all"\n\nUsage: boomerang keys list\n/);

    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^boomerang: missing command\n/);

    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/^boomerang: unknown command "rotate"\n\nUsage: boomerang keys <command>/);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^boomerang: missing the id or suffix of the key to revoke\n/);

    expect(email.code).toBe(2);
    expect(email.stderr).toMatch(/^boomerang: --admin takes an email address, got "ops"\n\nUsage: boomerang keys create --admin EMAIL/);

    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^boomerang: --port takes a port number, got "http"\n/);

    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/^boomerang: --forward-to 192\.0\.2\.1 is not this machine .*--forward-anywhere/);
  });

  it('a failure is one line on stderr, no stack trace, exit 1', async () => {
    const result = await runCli(['keys', 'list'], { DATA_DIR: 'memory://' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "boomerang: DATA_DIR=memory:// lives in one process's memory: another process cannot reach it; set DATA_DIR or DATABASE_URL\n",
    );

    const config = await runCli(['keys', 'list'], { DATA_DIR: '/tmp/unused', RETRY_SCHEDULE: 'soon' });
    expect(config.code).toBe(1);
    expect(config.stderr).toMatch(/^boomerang: RETRY_SCHEDULE: [^\n]+\n$/);
  });
});
