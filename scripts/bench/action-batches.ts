/**
 * Action batch benchmark (targets: the README's Benchmark section), on PostgreSQL and on embedded PGlite, through the real HTTP API:
 * - time to commit a 100-action asynchronous batch (POST → 201: every action validated against the spec, ownership
 *   checked, batch and callback stored), against the 200 ms target, and against 100 ordinary SSID PUTs (the peer: the
 *   same changes one request at a time);
 * - batches completed per second with 5 running at once (each 100 SSID updates in one transaction, run by the runner).
 * Usage: npm run bench:action-batches  (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
 * BENCH_ENGINES=postgres,pglite; COMMITS=30; BATCHES=60)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as sdk from '../../generated/client/sdk.gen.js';
import { createClient, createConfig, type Client } from '../../generated/client/client/index.js';
import type { ActionBatchAction } from '../../generated/client/types.gen.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const engines = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',').map((e) => e.trim());
const COMMITS = Number(process.env.COMMITS ?? 30);
const BATCHES = Number(process.env.BATCHES ?? 60);
const TARGET_MS = 200;
const KEY = 'k'.repeat(40);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function withDatabase<T>(engine: string, run: (env: Record<string, string>) => Promise<T>): Promise<T> {
  if (engine === 'pglite') return run({ DATA_DIR: 'memory://' });
  const name = `boomerang_bench_ab_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    return await run({ DATABASE_URL: url.toString() });
  } finally {
    const drop = new pg.Client({ connectionString: base });
    await drop.connect();
    await drop.query(`drop database if exists ${name} with (force)`);
    await drop.end();
  }
}

async function boot(dbEnv: Record<string, string>, env: Record<string, string>): Promise<RunningServer> {
  return startServer(
    loadConfig({
      PORT: '0',
      SEED_API_KEY: KEY,
      SECRET_KEY: 'bench',
      LOG_LEVEL: 'silent',
      VALIDATE_RESPONSES: 'false',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      ...dbEnv,
      ...env,
    }),
  );
}

/** 100 updates spread over a network's 15 SSIDs. */
function ssidActions(networkId: string, tag: string, n = 100): ActionBatchAction[] {
  return Array.from({ length: n }, (_, i) => ({
    resource: `/networks/${networkId}/wireless/ssids/${i % 15}`,
    operation: 'update' as const,
    body: { name: `${tag} ${i}`, enabled: i % 2 === 0, visible: true },
  }));
}

async function wirelessNetworks(client: Client, organizationId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const { data } = await sdk.createOrganizationNetwork({ client, path: { organizationId }, body: { name: `Bench ${i}`, productTypes: ['wireless'] } });
    ids.push(data!.id);
  }
  return ids;
}

/** Commit latency of a 100-action async batch (no runner in this server, so nothing competes), and the 100-PUT peer. */
async function commitPhase(dbEnv: Record<string, string>) {
  const server = await boot(dbEnv, { ACTION_BATCH_WORKERS: '0', ACTION_BATCH_MAX_RUNNING: '1000' });
  try {
    const client = createClient(createConfig({ baseUrl: server.url, auth: () => KEY }));
    const { organizationId } = server.seeded!;
    const [networkId] = await wirelessNetworks(client, organizationId, 1);
    const times: number[] = [];
    for (let i = 0; i < COMMITS + 3; i += 1) {
      const started = performance.now();
      const { response } = await sdk.createOrganizationActionBatch({ client, path: { organizationId }, body: { confirmed: true, actions: ssidActions(networkId!, `c${i}`) } });
      const ms = performance.now() - started;
      if (response.status !== 201) throw new Error(`batch refused: ${response.status}`);
      if (i >= 3) times.push(ms); // the first few warm the JIT and the connection pool
    }
    const puts: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const started = performance.now();
      for (const action of ssidActions(networkId!, `p${round}`)) {
        const number = Number(action.resource.split('/').pop());
        await sdk.updateNetworkWirelessSsid({ client, path: { networkId: networkId!, number }, body: action.body! });
      }
      puts.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    puts.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), puts: puts[1]! };
  } finally {
    await server.close();
  }
}

/** Batches completed per second with 5 running at once: 5 lanes, each creating a batch and waiting for it to finish. */
async function throughputPhase(dbEnv: Record<string, string>) {
  const server = await boot(dbEnv, { ACTION_BATCH_WORKERS: '5' });
  try {
    const client = createClient(createConfig({ baseUrl: server.url, auth: () => KEY }));
    const { organizationId } = server.seeded!;
    // One network per lane, so lanes do not queue on each other's SSID row locks.
    const networks = await wirelessNetworks(client, organizationId, 5);
    let next = 0;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      networks.map(async (networkId) => {
        while (next < BATCHES) {
          next += 1;
          const { data, response } = await sdk.createOrganizationActionBatch({ client, path: { organizationId }, body: { confirmed: true, actions: ssidActions(networkId, `t${next}`) } });
          if (response.status !== 201) throw new Error(`batch refused: ${response.status} ${JSON.stringify(data)}`);
          for (;;) {
            const got = await sdk.getOrganizationActionBatch({ client, path: { organizationId, actionBatchId: data!.id } });
            if (got.data!.status.failed) throw new Error(`batch failed: ${got.data!.status.errors.join('; ')}`);
            if (got.data!.status.completed) break;
            await new Promise((r) => setTimeout(r, 10));
          }
          done += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { batchesPerSecond: done / seconds, actionsPerSecond: (done * 100) / seconds, done };
  } finally {
    await server.close();
  }
}

for (const engine of engines) {
  // A fresh database per phase: the commit phase leaves its batches pending, which the second phase must not run.
  {
    const commit = await withDatabase(engine, commitPhase);
    const throughput = await withDatabase(engine, throughputPhase);
    console.log(`\n== ${engine} ==`);
    console.log(
      `commit a 100-action async batch (POST → 201, ${COMMITS} runs): p50 ${commit.p50.toFixed(1)} ms, p99 ${commit.p99.toFixed(1)} ms` +
        ` → p50 is ${(commit.p50 / TARGET_MS).toFixed(3)} of the ${TARGET_MS} ms ceiling (p99: ${(commit.p99 / TARGET_MS).toFixed(3)})`,
    );
    console.log(
      `peer: the same 100 SSID changes as 100 ordinary PUTs: ${commit.puts.toFixed(0)} ms → the batch commits ${(commit.puts / commit.p50).toFixed(1)}× faster`,
    );
    console.log(
      `5 batches running at once: ${throughput.done} batches of 100 actions, ${throughput.batchesPerSecond.toFixed(1)} batches/s (${throughput.actionsPerSecond.toFixed(0)} actions/s), POST to completion seen by polling`,
    );
  }
}
