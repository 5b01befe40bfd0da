/** The classifier behind the 503s: real connection failures count as an unreachable database, SQL errors do not. */
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isDatabaseUnreachable, retryWhileUnreachable } from '../../src/db/database-unreachable.js';

/** Resolves with what `promise` rejected with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** A TCP server on loopback that accepts connections and never says a word, as a frozen database would. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** A loopback port nobody listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('isDatabaseUnreachable', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('recognizes a refused connection, also as the cause of another error', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/postgres` });
    const err = await rejection(client.connect());
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isDatabaseUnreachable(err)).toBe(true);
    expect(isDatabaseUnreachable(new Error('saving failed', { cause: err }))).toBe(true);
  });

  it('recognizes the pool connect timeout against a server that never answers', async () => {
    const silent = await silentServer();
    cleanups.push(() => {
      for (const s of silent.sockets) s.destroy();
      silent.server.close();
    });
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${silent.port}/postgres`, connectionTimeoutMillis: 200 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const started = Date.now();
    const err = await rejection(pool.query('select 1'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((err as Error).message).toMatch(/timeout/);
    expect(isDatabaseUnreachable(err)).toBe(true);
    // A client's own connect timeout says it differently.
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${silent.port}/postgres`, connectionTimeoutMillis: 200 });
    const own = await rejection(client.connect());
    expect((own as Error).message).toBe('timeout expired');
    expect(isDatabaseUnreachable(own)).toBe(true);
  });

  it.skipIf(!process.env.DATABASE_URL)('recognizes a backend terminated under a client (57P01, then "not queryable")', async () => {
    // Only this test's own connection is terminated: the shared cluster itself is never touched.
    const victim = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const errors: unknown[] = [];
    victim.on('error', (err) => errors.push(err));
    await victim.connect();
    await admin.connect();
    cleanups.push(() => admin.end());
    const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
    await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    const until = Date.now() + 5_000;
    while (errors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(errors.map((e) => (e as { code?: string }).code ?? (e as Error).message)).toContain('57P01');
    for (const e of errors) expect(isDatabaseUnreachable(e)).toBe(true);
    const next = await rejection(victim.query('select 1'));
    expect(isDatabaseUnreachable(next)).toBe(true);
  });

  it('does not count SQL errors or our own bugs', async () => {
    const pglite = await PGlite.create('memory://');
    cleanups.push(() => pglite.close());
    await pglite.exec('create table t (id int primary key)');
    await pglite.exec('insert into t values (1)');
    const syntax = await rejection(pglite.query('selec 1'));
    const duplicate = await rejection(pglite.query('insert into t values (1)'));
    expect((duplicate as { code?: string }).code).toBe('23505');
    for (const err of [syntax, duplicate, new TypeError('x is undefined'), new Error('boom'), 'text', null, undefined]) {
      expect(isDatabaseUnreachable(err)).toBe(false);
    }
  });
});

describe('retryWhileUnreachable', () => {
  it('retries while the database is unreachable, and throws any other error at once', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });
    let calls = 0;
    const value = await retryWhileUnreachable(async () => {
      calls += 1;
      if (calls < 3) throw refused;
      return 'stored';
    }, () => true);
    expect([value, calls]).toEqual(['stored', 3]);

    calls = 0;
    const bug = await rejection(
      retryWhileUnreachable(async () => {
        calls += 1;
        throw new TypeError('a bug');
      }, () => true),
    );
    expect([(bug as Error).message, calls]).toEqual(['a bug', 1]);

    calls = 0;
    await rejection(
      retryWhileUnreachable(async () => {
        calls += 1;
        throw refused;
      }, () => false),
    );
    expect(calls).toBe(1);
  });
});
