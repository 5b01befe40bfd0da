/**
 * One process at a time on a PGlite data directory. PGlite is Postgres in this process's memory, writing the files
 * directly: a second process opening the same directory (a `boomerang keys` while the server runs, or two servers)
 * would write over the first one's pages and corrupt the database. Each opener holds a pid file in the directory.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file's name inside DATA_DIR. */
export const LOCK_FILE = 'boomerang.pid';

/** Thrown when another live process holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Lock files this process holds: its own pid in a lock file means a second opener here only when listed. */
const held = new Set<string>();

/** Whether process `pid` is alive: signal 0 checks without sending anything (EPERM: alive, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dir`'s lock for this process, or throws DataDirInUseError naming the process that holds it. A lock left by a
 * process that died (its pid is gone) is taken over. Returns the function that releases it; it is also released when
 * this process exits, however it exits short of a kill.
 */
export function lockDataDir(dir: string, holder: string): () => void {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) throw new DataDirInUseError(`the embedded database in ${dir} is already open in this process`);
  // Two tries: the second after removing a dead process's lock.
  for (let attempt = 0; ; attempt += 1) {
    let fd: number;
    try {
      // 'wx' creates the file or fails if it exists: two processes cannot both succeed.
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const [pidLine = '', what = 'a process'] = readFileSync(path, 'utf8').split('\n');
      const pid = Number(pidLine);
      // Our own pid, not held here, is a previous life's: in a container the server is pid 1 on every restart.
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirInUseError(
          `the embedded database in ${dir} is in use by ${what} (pid ${pid}): PGlite allows one process at a time, so stop it first ` +
            `(or set DATABASE_URL to share a PostgreSQL database). If no such process runs, delete ${path}.`,
        );
      }
      unlinkSync(path);
      continue;
    }
    writeSync(fd, `${process.pid}\n${holder}\n`);
    closeSync(fd);
    break;
  }
  held.add(path);
  let mine = true;
  const release = () => {
    if (!mine) return;
    mine = false;
    held.delete(path);
    process.off('exit', release);
    try {
      unlinkSync(path);
    } catch {
      // Already gone (someone deleted it by hand): nothing to release.
    }
  };
  process.on('exit', release);
  return release;
}
