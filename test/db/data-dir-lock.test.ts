/** The PGlite data directory lock: one holder at a time, a dead holder's lock taken over, released on close. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/create-db.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'boomerang-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('writes this pid and its holder, refuses a second opener in this process, and removes the file on release', () => {
    const release = lockDataDir(dir, 'the test');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\nthe test\n`);
    expect(() => lockDataDir(dir, 'again')).toThrow(new DataDirInUseError(`the embedded database in ${dir} is already open in this process`));
    release();
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir, 'after')();
  });

  it('refuses while another live process holds it, naming it', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\nnode src/main.ts\n`);
      expect(() => lockDataDir(dir, 'the test')).toThrow(
        `the embedded database in ${dir} is in use by node src/main.ts (pid ${other.pid}): PGlite allows one process at a time, so stop it first ` +
          `(or set DATABASE_URL to share a PostgreSQL database). If no such process runs, delete ${join(dir, LOCK_FILE)}.`,
      );
    } finally {
      other.kill();
    }
  });

  it("takes over the lock of a process that died without releasing it, or an earlier life's of this pid", () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, LOCK_FILE), `${dead}\nnode src/main.ts\n`);
    const release = lockDataDir(dir, 'the test');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\nthe test\n`);
    release();
    // A server restarted as pid 1 in a container finds its own pid in the file its crashed predecessor left.
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\nnode src/main.ts\n`);
    lockDataDir(dir, 'the test')();
  });

  it('is held by createDb on a PGlite directory until destroy()', async () => {
    const db = await createDb({ databaseUrl: undefined, dataDir: dir });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n`));
    await expect(createDb({ databaseUrl: undefined, dataDir: dir })).rejects.toThrow(DataDirInUseError);
    await db.destroy();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);
});
