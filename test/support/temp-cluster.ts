/**
 * A throw-away PostgreSQL cluster of the test's own (initdb into a temporary directory, its own port on 127.0.0.1, trust
 * auth) that the test may stop, crash and start: never the machine's shared cluster, which other test files use meanwhile.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, chownSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's PostgreSQL 15 keeps its programs. */
const BIN = '/usr/lib/postgresql/15/bin';

/** The OS user the cluster runs as: PostgreSQL refuses to run as root, and tests may run as root. */
const OS_USER = 'postgres';

/** Runs a PostgreSQL program as the cluster's OS user (directly when the test already is that user). */
async function asPostgres(program: string, args: string[], timeoutMs = 30_000): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', join(BIN, program), ...args]] : [join(BIN, program), args];
  const { stdout } = await run(file, argv, { timeout: timeoutMs });
  return stdout;
}

/** A free TCP port on 127.0.0.1 (free when asked: the cluster binds it right after). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A running temporary cluster: its URL, and how to stop, crash, start and remove it. */
export class TempCluster {
  private constructor(
    /** The temporary directory (data directory and socket inside). */
    readonly dir: string,
    readonly port: number,
  ) {}

  /** postgres://postgres@127.0.0.1:PORT/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** Creates the cluster (initdb, trust auth, no fsync) and starts it. */
  static async create(): Promise<TempCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'boomerang-pg-'));
    const cluster = new TempCluster(dir, await freePort());
    try {
      if (process.getuid?.() === 0) {
        const uid = Number((await run('id', ['-u', OS_USER])).stdout.trim());
        const gid = Number((await run('id', ['-g', OS_USER])).stdout.trim());
        chownSync(dir, uid, gid);
      }
      await asPostgres('initdb', ['-D', cluster.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], 60_000);
      const settings = [
        `port = ${cluster.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        // The machine does not crash, only the cluster: WAL written to the kernel survives a kill -9 without fsync. (Not
        // synchronous_commit = off: that loses acknowledged commits in such a crash.)
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        'max_connections = 60',
      ];
      appendFileSync(join(cluster.data, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
      await cluster.start();
      return cluster;
    } catch (err) {
      await cluster.remove();
      throw err;
    }
  }

  /** Starts the cluster and waits until it accepts connections. */
  async start(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  /** Stops the cluster: `fast` disconnects every client cleanly (57P01), `immediate` aborts like a crash (recovery on the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /**
   * Kills the postmaster with SIGKILL, as a crash would, and waits (at most 10 s) for its backends to notice and exit:
   * until they have, a new postmaster refuses to start on the shared memory they still hold.
   */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (!pid) throw new Error('the cluster is not running');
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 10_000;
    // Until reaped, the dead postmaster's PID still looks alive to the next one's lock-file check.
    while ((existsSync(`/proc/${pid}`) || this.processes().length > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) every process of the cluster: connections stay open, nothing answers. */
  signalAll(signal: 'SIGSTOP' | 'SIGCONT'): void {
    for (const pid of this.processes()) process.kill(pid, signal);
  }

  /** PIDs of this cluster's processes: every PostgreSQL process works in its data directory. */
  private processes(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/cwd`) === this.data) pids.push(Number(entry));
      } catch {
        // Gone, or not ours to read.
      }
    }
    return pids;
  }

  /** The postmaster's PID while it runs. */
  postmasterPid(): number | undefined {
    try {
      return Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }

  /** What the server logged (for failure messages). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops the cluster if it runs (crash-stop: nothing in it matters) and deletes the directory. Safe to call twice. */
  async remove(): Promise<void> {
    this.signalAll('SIGCONT');
    await this.stop('immediate').catch(() => {});
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
