/**
 * Delivery benchmark on PostgreSQL (targets: the README's Benchmark section). In one run, to a local receiver answering 200 at once:
 * - Boomerang's worker draining 20,000 queued deliveries, against a bare undici POST loop (the ceiling) and a
 *   straightforward pg-boss dispatcher (the peer);
 * - completion → receipt latency at a steady 200 callbacks/s through the full path (contract, template, outbox, NOTIFY);
 * - peak RSS of the real server process draining 10,000 pending deliveries, compiled (as deployed) and under tsx.
 * Usage: npm run bench:delivery  (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; N=20000)
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { Pool } from 'undici';
import { sql } from 'kysely';
import type { CallbackContext } from '../../src/callbacks/callback-context.js';
import { enqueuePayload } from '../../src/callbacks/enqueue-payload.js';
import { findIncludedTemplate } from '../../src/callbacks/included-templates.js';
import { renderPayload } from '../../src/callbacks/render-payload.js';
import { sampleAlert } from '../../src/callbacks/sample-payloads.js';
import { SecretBox } from '../../src/callbacks/secret-box.js';
import { createTemplateEngine } from '../../src/callbacks/template-engine.js';
import { TemplatePool } from '../../src/callbacks/template-pool.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/create-db.js';
import { seedDemo } from '../../src/db/seed.js';
import { DeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { HttpSender, defaultSenderOptions } from '../../src/delivery/http-sender.js';
import { workerOptions } from '../../src/delivery/worker-options.js';
import { CallbackContracts } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';

const N = Number(process.env.N ?? 20_000);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const now = () => performance.timeOrigin + performance.now();

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send({ cmd });
  });
}

async function waitForCount(receiver: ChildProcess, n: number): Promise<void> {
  for (;;) {
    if ((await ask<{ count: number }>(receiver, 'count')).count >= n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

/** Queues `n` deliveries of `body` to `url` directly in the outbox (the part being measured is draining it). */
async function fill(db: Db, organizationId: string, url: string, body: string, secret: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 5000) {
    const size = Math.min(5000, n - done);
    await sql`
      with made as (
        insert into callbacks (organization_id, contract, url, payload_template_id, signing, secret_ciphertext, expires_at)
        select ${organizationId}, 'webhook.deviceWentDown', ${url}, 'wpt_00001', 'standard-webhooks', ${secret}, now() + interval '2 days'
        from generate_series(1, ${size}) returning id)
      insert into deliveries (callback_id, organization_id, webhook_id, url, body, headers)
      select id, ${organizationId}, 'msg_' || id, ${url}, ${body}, '{}'::jsonb from made`.execute(db);
  }
}

const receiver = fork(fileURLToPath(new URL('./receiver.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
const { port } = await new Promise<{ port: number }>((resolve) => receiver.once('message', (m) => resolve(m as { port: number })));
const target = `http://127.0.0.1:${port}/hook`;
const engine = createTemplateEngine();
const rendered = await renderPayload(engine, findIncludedTemplate('wpt_00001')!, sampleAlert, { sharedSecret: 'bench-secret' });
console.log(`${N} deliveries of ${rendered.body.length} bytes to ${target}; node ${process.version}`);

// 1. Ceiling: a bare undici Pool POST loop, 64 in flight.
{
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < N) {
        next += 1;
        const res = await pool.request({ path: '/hook', method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `c${next}` }, body: rendered.body });
        await res.body.dump();
      }
    }),
  );
  var ceiling = N / ((now() - started) / 1000);
  await pool.close();
  await ask(receiver, 'reset');
}

// 2. Boomerang: the server's own worker, options and sender, draining N queued deliveries.
const dbName = `boomerang_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = await freshDatabase(dbName);
const config = loadConfig({ DATABASE_URL: dbUrl, CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
const db = await createDb(config);
const seed = (await seedDemo(db, {}))!;
// The server started for the memory figure opens these secrets with SECRET_KEY, as any server sharing the database would.
const BENCH_SECRET_KEY = randomBytes(16).toString('hex');
const secrets = new SecretBox(createHash('sha256').update(BENCH_SECRET_KEY, 'utf8').digest());
// Renders as the server does, in its worker pool (the latency test below goes through it).
const templates = new TemplatePool();
await templates.start();
const ctx: CallbackContext = {
  contracts: await CallbackContracts.compile(loadSpec()),
  templates,
  secrets,
  destinations: { allowPrivate: false, allowHosts: new Set(['127.0.0.1']) },
  logger: pino({ level: 'warn' }),
  retentionMs: 2 * 86_400_000,
  now: () => new Date(),
};
const sealed = secrets.seal('bench-secret');
let boomerang: number;
{
  await fill(db, seed.organizationId, target, rendered.body, sealed, N);
  // A bulk insert outpaces autovacuum's statistics; a running system has them, so give the planner the same here.
  await sql`analyze`.execute(db);
  const sender = new HttpSender(ctx.destinations, defaultSenderOptions);
  const worker = new DeliveryWorker(db, ctx, sender, workerOptions(config, 'pg', 'Boomerang/bench'));
  const started = now();
  await worker.start();
  await waitForCount(receiver, N);
  boomerang = N / ((now() - started) / 1000);
  await worker.stop();
  await sender.close();
  await ask(receiver, 'reset');
}

// 3. Peer: pg-boss 10 with 4 workers fetching 500 jobs at a time, each job POSTed with undici.
let pgBoss: number;
{
  const boss = new PgBoss({ connectionString: dbUrl, schema: 'bench_boss' });
  boss.on('error', (err) => console.error('pg-boss:', err.message));
  await boss.start();
  await boss.createQueue('deliveries');
  for (let i = 0; i < N; i += 5000) {
    await boss.insert(Array.from({ length: Math.min(5000, N - i) }, (_, k) => ({ name: 'deliveries', data: { id: `b${i + k}` } })));
  }
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  const started = now();
  for (let w = 0; w < 4; w += 1) {
    await boss.work<{ id: string }>('deliveries', { batchSize: 500, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      await Promise.all(
        jobs.map(async (job) => {
          const res = await pool.request({ path: '/hook', method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': job.data.id }, body: rendered.body });
          await res.body.dump();
        }),
      );
    });
  }
  await waitForCount(receiver, N);
  pgBoss = N / ((now() - started) / 1000);
  await boss.stop({ graceful: false, wait: true });
  await pool.close();
  await ask(receiver, 'reset');
}

// 4. Latency: one callback every 5 ms (200/s) for 10 s through enqueuePayload; completion = its transaction's commit.
const latencies: number[] = [];
{
  await sql`analyze`.execute(db);
  const sender = new HttpSender(ctx.destinations, defaultSenderOptions);
  const worker = new DeliveryWorker(db, ctx, sender, workerOptions(config, 'pg', 'Boomerang/bench'));
  await worker.start();
  const committed = new Map<string, number>();
  const count = 2000;
  const started = now();
  for (let i = 0; i < count; i += 1) {
    const wait = started + i * 5 - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const deliveryId = await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('callbacks')
        .values({ organization_id: seed.organizationId, contract: 'webhook.deviceWentDown', url: target, payload_template_id: 'wpt_00001', signing: 'standard-webhooks', secret_ciphertext: sealed, created_by: null, network_id: null, http_server_id: null, expires_at: new Date(Date.now() + 86_400_000) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const result = await enqueuePayload(trx, ctx, id, { ...sampleAlert, alertId: String(i + 1) }, 'bench');
      if (!result.queued) throw new Error(result.errors.join());
      return result.deliveryId;
    });
    const row = await db.selectFrom('deliveries').select('webhook_id').where('id', '=', deliveryId).executeTakeFirstOrThrow();
    committed.set(row.webhook_id, now());
  }
  await waitForCount(receiver, count);
  const { arrivals } = await ask<{ arrivals: [string, number][] }>(receiver, 'arrivals');
  for (const [id, at] of arrivals) {
    const start = committed.get(id);
    if (start !== undefined) latencies.push(at - start);
  }
  latencies.sort((a, b) => a - b);
  await worker.stop();
  await sender.close();
  await ask(receiver, 'reset');
}

// 5. Peak RSS of the real server draining 10,000 pending deliveries: the kernel's high-water mark (VmHWM) of that process
// alone, so nothing this benchmark process loaded counts. Compiled (`npm run build`, `npm run start:prod`, as deployed),
// and under tsx (`npm start`), whose loader thread alone holds some 90 MB.
const peakRss: Record<string, number> = {};
{
  execFileSync('npm', ['run', 'build'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'ignore' });
  const variants: [string, string[]][] = [
    ['compiled', [fileURLToPath(new URL('../../dist/src/main.js', import.meta.url))]],
    ['tsx', ['--import', 'tsx', fileURLToPath(new URL('../../src/main.ts', import.meta.url))]],
  ];
  for (const [name, args] of variants) {
    await db.deleteFrom('callbacks').execute();
    await ask(receiver, 'reset');
    await fill(db, seed.organizationId, target, rendered.body, sealed, 10_000);
    const server = spawn(process.execPath, args, {
      env: { ...process.env, DATABASE_URL: dbUrl, SECRET_KEY: BENCH_SECRET_KEY, PORT: '0', SEED_DEMO: 'false', CALLBACK_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForCount(receiver, 10_000);
    peakRss[name] = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

await templates.close();
await db.destroy();
await dropDatabase(dbName);
receiver.kill();

const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
const f = (x: number) => x.toFixed(0);
console.log(`undici POST loop (ceiling):  ${f(ceiling)} deliveries/s`);
console.log(`pg-boss 10 dispatcher (peer): ${f(pgBoss)} deliveries/s`);
console.log(`Boomerang worker:             ${f(boomerang)} deliveries/s`);
console.log(`  ratio to ceiling: ${(boomerang / ceiling).toFixed(2)} (target >= 0.6); ratio to pg-boss: ${(boomerang / pgBoss).toFixed(2)} (target >= 2)`);
console.log(`completion -> receipt at 200/s (n=${latencies.length}): p50 ${pct(50).toFixed(2)} ms (target <= 2), p99 ${pct(99).toFixed(2)} ms (target <= 10)`);
const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
console.log(`server peak RSS draining 10,000 pending, compiled: ${mb(peakRss.compiled!)} MB (ceiling 200 MB): ratio ${(peakRss.compiled! / (200 * 1048576)).toFixed(2)}`);
console.log(`  the same under tsx (npm start): ${mb(peakRss.tsx!)} MB: ratio ${(peakRss.tsx! / (200 * 1048576)).toFixed(2)}`);
