/**
 * `boomerang keys` and `boomerang migrate` against a real server's database (a PGlite DATA_DIR, or PostgreSQL when
 * DATABASE_URL is set): a created key works, a revoked one is refused with 401, and the list says so. On PGlite the
 * command is refused while the server holds the directory, so the server is stopped around each command there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiKey } from '../../src/auth/insert-api-key.js';
import { createDb } from '../../src/db/create-db.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let database: TestDatabase;
let dataDir: string;
let env: Record<string, string>;
let server: ChildServer | undefined;
let url: string;
let organizationId: string;

async function start(): Promise<void> {
  server = startChildServer(env);
  url = await server.listening;
}

async function stop(): Promise<void> {
  const child = server?.child;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** PGlite is one process at a time: the server must let go of DATA_DIR before a command opens it. */
async function stopIfPglite(): Promise<void> {
  if (database.engine === 'pglite') await stop();
}

async function startIfStopped(): Promise<void> {
  if (server === undefined) await start();
}

function organizations(key: string): Promise<Response> {
  return fetch(`${url}/api/v1/organizations`, { headers: { authorization: `Bearer ${key}` } });
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'boomerang-cli-'));
  env = { DATA_DIR: dataDir, DATABASE_URL: database.databaseUrl ?? '', LOG_LEVEL: 'info' };
  await start();
  organizationId = (await server!.waitForOutput(/Demo data seeded: organization (\d+)\./))[1]!;
}, 60_000);

afterAll(async () => {
  await stop();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.sequential(`boomerang keys (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it.runIf(!process.env.DATABASE_URL)('refuses to open the PGlite directory a running server holds, and says which process holds it', async () => {
    const result = await runCli(['keys', 'list'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^boomerang: the embedded database in ${dataDir} is in use by \\S*src/main\\.ts \\(pid ${server!.child.pid}\\): PGlite allows one process at a time, so stop it first [^\\n]*\\n$`),
    );
  });

  it('creates a new admin with a key that the server accepts, printed once on stdout', async () => {
    await stopIfPglite();
    const created = await runCli(['keys', 'create', '--admin', 'ops@example.test', '--name', 'Ops', '--organization', organizationId], env);
    expect(created.stderr).toMatch(/^API key …[0-9a-f]{4} created for the new admin Ops <ops@example\.test> \(organizations \d+\)\. It is shown this once/);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^[0-9a-f]{40}\n$/);
    const key = created.stdout.trim();
    await startIfStopped();
    const answer = await organizations(key);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { id: string }[]).map((o) => o.id)).toEqual([organizationId]);

    await stopIfPglite();
    // A second key for the same admin: both work.
    const second = await runCli(['keys', 'create', '--admin', 'ops@example.test'], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/created for admin Ops <ops@example\.test>\./);
    const refused = await runCli(['keys', 'create', '--admin', 'ops@example.test', '--name', 'Again'], env);
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'boomerang: admin ops@example.test exists: leave out --name and --organization to add a key to it\n' });
    const unknown = await runCli(['keys', 'create', '--admin', 'nobody@example.test'], env);
    expect(unknown.stderr).toBe('boomerang: no admin nobody@example.test: to create one, add --name NAME and --organization ID\n');
    const noOrganization = await runCli(['keys', 'create', '--admin', 'x@example.test', '--name', 'X', '--organization', '1'], env);
    expect(noOrganization).toMatchObject({ code: 1, stderr: 'boomerang: no organization 1\n' });

    // Revoked: 401 (at once on a server that has not seen the key; within its 5 s key cache otherwise).
    const revoked = await runCli(['keys', 'revoke', key.slice(-4)], env);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked key \\d+ \\(…${key.slice(-4)}, ops@example\\.test\\)\\.\\n$`));
    await startIfStopped();
    let status = 0;
    for (const until = Date.now() + 8_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      status = (await organizations(key)).status;
      if (status === 401) break;
    }
    expect(status).toBe(401);
    expect((await organizations(second.stdout.trim())).status).toBe(200);

    await stopIfPglite();
    const list = await runCli(['keys', 'list'], env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +ADMIN +EMAIL +KEY +CREATED +REVOKED +ORGANIZATIONS$/);
    const stamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^\\d+ +Demo Admin +admin@demo\\.example +…[0-9a-f]{4} +${stamp} +- +${organizationId}$`)),
      expect.stringMatching(new RegExp(`^\\d+ +Ops +ops@example\\.test +…${key.slice(-4)} +${stamp} +${stamp} +${organizationId}$`)),
      expect.stringMatching(new RegExp(`^\\d+ +Ops +ops@example\\.test +…${second.stdout.trim().slice(-4)} +${stamp} +- +${organizationId}$`)),
    ]);
    // Never a key: only suffixes.
    expect(list.stdout).not.toContain(key);
  }, 120_000);

  it('an ambiguous suffix is an error listing the keys it matches; an id picks one; revoked keys do not count', async () => {
    await stop();
    const db = await createDb({ databaseUrl: database.databaseUrl, dataDir });
    const admin = await db.selectFrom('admins').select('id').where('email', '=', 'ops@example.test').executeTakeFirstOrThrow();
    const ids = [await insertApiKey(db, admin.id, `${'1'.repeat(36)}beef`), await insertApiKey(db, admin.id, `${'2'.repeat(36)}beef`)];
    await db.destroy();

    const ambiguous = await runCli(['keys', 'revoke', '…beef'], env);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(
      new RegExp(`^boomerang: "…beef" matches 2 valid keys: ${ids[0]} \\(…beef, ops@example\\.test, created [^)]+\\); ${ids[1]} \\(…beef, ops@example\\.test, created [^)]+\\); give the id\\n$`),
    );
    expect((await runCli(['keys', 'revoke', ids[0]!], env)).stdout).toBe(`Revoked key ${ids[0]} (…beef, ops@example.test).\n`);
    expect((await runCli(['keys', 'revoke', 'beef'], env)).stdout).toBe(`Revoked key ${ids[1]} (…beef, ops@example.test).\n`);
    const again = await runCli(['keys', 'revoke', ids[1]!], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Key ${ids[1]} \\(…beef, ops@example\\.test\\) was already revoked at \\S+Z\\.\\n$`));
    expect(await runCli(['keys', 'revoke', 'f00d'], env)).toMatchObject({ code: 1, stderr: 'boomerang: no API key has the id or suffix "f00d" (see boomerang keys list)\n' });
  }, 60_000);

  it('migrate says the schema is current on a migrated database, and applies every migration to an empty one', async () => {
    await stop();
    const current = await runCli(['migrate'], env);
    expect(current.code).toBe(0);
    expect(current.stdout).toMatch(/is up to date: no migration to apply\.\n$/);

    const fresh = await createTestDatabase();
    const freshDir = mkdtempSync(join(tmpdir(), 'boomerang-cli-'));
    try {
      const applied = await runCli(['migrate'], { DATA_DIR: freshDir, DATABASE_URL: fresh.databaseUrl ?? '' });
      expect(applied.code).toBe(0);
      const lines = applied.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('Applied 0001-initial');
      expect(lines).toContain('Applied 0010-api-key-revocation');
      expect(lines.at(-1)).toMatch(/^\d+ migrations applied to (PostgreSQL \(DATABASE_URL\)|the embedded database in .+)\.$/);
    } finally {
      await fresh.drop();
      rmSync(freshDir, { recursive: true, force: true });
    }
  }, 60_000);
});
