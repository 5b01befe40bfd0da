/**
 * Live tools benchmark (targets: the README's Benchmark section), on the database DATABASE_URL selects (default: embedded PGlite in memory).
 * In one run, each server in its own process, load from this one:
 * (a) live tool jobs created per second through the real server (authenticated, validated against the spec, persisted,
 *     201; the jobs then run and call back in the same server), against bare express parsing the same JSON and answering
 *     201 (the peer; target: at least half of it), without and with a callback;
 * (b) job completion → callback receipt latency, from the job's `finished_at` (the envelope's `sentAt` is that same
 *     instant) to its arrival at a local receiver, at a steady rate of jobs.
 * Usage: npm run bench:live-tools   (DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres runs it on PostgreSQL in a
 * fresh database created and dropped there; DURATION=10 s per load run, CONNECTIONS=50, RATE=200 jobs/s, JOBS=2000)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';

/** The parts of autocannon's options and result used here (it ships no types). */
interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: 'POST';
  headers: Record<string, string>;
  requests: { path: string; body: string }[];
}
interface CannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number };
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: CannonOptions) => Promise<CannonResult>;

const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const RATE = Number(process.env.RATE ?? 200);
const JOBS = Number(process.env.JOBS ?? 2000);
const KEY = 'b'.repeat(40);
/** Answering demo devices the jobs are spread over (switch 2 ms, access point 8 ms, appliance 12 ms). */
const SERIALS = ['Q2MS-DEMO-0002', 'Q2MR-DEMO-0003', 'Q2MX-DEMO-0001'];
const now = () => performance.timeOrigin + performance.now();

const f = (x: number) => x.toFixed(0);
const line = (name: string, r: { perSecond: number; p50: number; p99: number; errors: number }) =>
  console.log(`${name.padEnd(40)} ${f(r.perSecond).padStart(6)} req/s  (latency p50 ${r.p50} ms, p99 ${r.p99} ms${r.errors ? `; ${r.errors} timed out` : ''})`);

/** Every child forked, killed when this process exits (also on an error). */
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill()));

/** Forks a TypeScript child and waits for its first message. */
async function child<T>(file: string, env: Record<string, string> = {}): Promise<{ process: ChildProcess; hello: T }> {
  // BENCH_PROFILE=DIR writes a CPU profile of each child into DIR (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = fork(fileURLToPath(new URL(file, import.meta.url)), { execArgv: ['--import', 'tsx', ...profile], env: { ...process.env, ...env } });
  children.push(proc);
  const hello = await new Promise<T>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { process: proc, hello };
}

function ask<T>(proc: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as T));
    proc.send({ cmd });
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.send({ cmd: 'stop' });
  await exited;
}

/** The POST bodies autocannon cycles through: a ping on each answering device, with a callback to `callbackUrl` if given. */
function pingRequests(callbackUrl?: string) {
  return SERIALS.map((serial) => ({
    path: `/api/v1/devices/${serial}/liveTools/ping`,
    body: JSON.stringify({ target: '8.8.8.8', count: 1, ...(callbackUrl ? { callback: { url: callbackUrl, sharedSecret: 'bench-secret' } } : {}) }),
  }));
}

/** Job creations per second that answered 201, after a 2 s warm-up; throws if anything else came back. */
async function load(url: string, requests: { path: string; body: string }[]): Promise<{ perSecond: number; p50: number; p99: number; errors: number }> {
  const options = { url, connections: CONNECTIONS, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, requests };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: DURATION });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  // Only 201s count; requests that timed out (autocannon gives up after 10 s) are reported.
  return { perSecond: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors };
}

async function adminQuery(base: string, query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(query);
  await admin.end();
}

// The peer: bare express on this machine.
const bare = await child<{ url: string }>('./bare-express.ts');
const bareRun = await load(bare.hello.url, pingRequests());
await stopChild(bare.process);

// Boomerang, on a fresh database.
const base = process.env.DATABASE_URL;
const dbName = `boomerang_bench_${randomBytes(4).toString('hex')}`;
let databaseUrl = '';
if (base) {
  await adminQuery(base, `create database ${dbName}`);
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}
const receiver = await child<{ port: number }>('./receiver.ts');
const server = await child<{ url: string }>('./live-tools-server.ts', {
  PORT: '0',
  DATABASE_URL: databaseUrl,
  DATA_DIR: 'memory://',
  SEED_API_KEY: KEY,
  // Production settings: no response validation, no per-request log lines (bare express has neither).
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  // The per-organization limit (10/s by default) would answer 429 to nearly everything.
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  CALLBACK_ALLOW_HOSTS: '127.0.0.1',
  // Jobs queue on three devices during the load; none should fail for waiting.
  LIVE_TOOLS_TIMEOUT: '600',
});
const engine = base ? 'PostgreSQL' : 'embedded PGlite';
console.log(`live tools on ${engine}; node ${process.version}; ${CONNECTIONS} connections, ${DURATION} s per run`);

const plain = await load(server.hello.url, pingRequests());
await ask(server.process, 'drain');
const withCallback = await load(server.hello.url, pingRequests(`http://127.0.0.1:${receiver.hello.port}/hook`));
await ask(server.process, 'drain');
receiver.process.kill();
line('bare express, JSON parse + 201 (peer)', bareRun);
line('Boomerang ping job, no callback', plain);
line('Boomerang ping job with a callback', withCallback);
console.log(`  ratio to bare express: ${(plain.perSecond / bareRun.perSecond).toFixed(2)} without callback, ${(withCallback.perSecond / bareRun.perSecond).toFixed(2)} with (targets >= 0.50 and >= 0.35)`);

// (b) Completion → receipt: RATE jobs per second, each with a callback to a receiver in this (now idle) process.
const latencies: number[] = [];
{
  const arrivals = new Map<string, number>();
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const { callbackId, sentAt } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { callbackId: string; sentAt: string };
      if (!arrivals.has(callbackId)) {
        arrivals.set(callbackId, at);
        latencies.push(at - Date.parse(sentAt));
      }
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    });
  });
  sink.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const body = JSON.stringify({ target: '8.8.8.8', count: 1, callback: { url: callbackUrl } });
  // A bounded pool: a server slower than RATE makes requests queue here rather than time out connecting.
  const pool = new Pool(server.hello.url, { connections: 16 });
  const started = now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < JOBS; i += 1) {
    const wait = started + (i * 1000) / RATE - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    posts.push(
      pool
        .request({ path: `/api/v1/devices/${SERIALS[i % SERIALS.length]}/liveTools/ping`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body })
        .then(async (res) => {
          const text = await res.body.text();
          if (res.statusCode !== 201) throw new Error(`POST answered ${res.statusCode}: ${text}`);
        }),
    );
  }
  await Promise.all(posts);
  await pool.close();
  const until = Date.now() + 60_000;
  while (arrivals.size < JOBS && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  sink.closeAllConnections();
  sink.close();
  if (arrivals.size < JOBS) throw new Error(`only ${arrivals.size} of ${JOBS} callbacks arrived`);
  latencies.sort((a, b) => a - b);
}

await stopChild(server.process);
if (base) await adminQuery(base, `drop database if exists ${dbName} with (force)`);

const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
console.log(`job finished_at -> callback received at ${RATE} jobs/s (n=${latencies.length}): p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms (targets <= 3 and <= 15)`);
