/**
 * The contract runner's own receiver: a loopback HTTP server that every callback of a run is pointed at, one path
 * per expected callback, so that each arrival is attributed to the request that asked for it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the catcher received. */
export interface Arrival {
  method: string;
  /** The path and query after the tag's prefix (what the callback's URL template added), e.g. `/results`. */
  rest: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: number;
}

/** Most bytes kept of one callback's body. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A running catcher. */
export interface CallbackCatcher {
  /** The URL to give for `tag` (letters, digits, `-` and `.`). */
  url(tag: string): string;
  /** What arrived for `tag` so far. */
  arrivals(tag: string): readonly Arrival[];
  /** Resolves once `tag` has `count` arrivals or at `deadline` (ms since the epoch), with what arrived. */
  waitFor(tag: string, count: number, deadline: number): Promise<readonly Arrival[]>;
  /** Requests to paths of no tag of this run (a sender that mangled the URL). */
  strays(): readonly { method: string; path: string }[];
  close(): Promise<void>;
}

/** Starts a catcher on `host:port` (port 0 picks a free one); it answers `status` to every callback. */
export async function startCallbackCatcher({ host = '127.0.0.1', port = 0, status = 200 }: { host?: string; port?: number; status?: number } = {}): Promise<CallbackCatcher> {
  // A run's own prefix, so that a late callback of an earlier run on the same port is not taken for one of this run.
  const run = randomBytes(6).toString('hex');
  const byTag = new Map<string, Arrival[]>();
  const waiters = new Set<() => void>();
  const strays: { method: string; path: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.byteLength;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const match = new RegExp(`^/contract/${run}/([A-Za-z0-9.-]+)(.*)$`).exec(req.url ?? '');
      if (match === null) {
        strays.push({ method: req.method ?? '', path: req.url ?? '' });
        res.statusCode = 404;
        res.end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const list = byTag.get(match[1]!) ?? [];
      list.push({ method: req.method ?? '', rest: match[2]!, headers, body: Buffer.concat(chunks), receivedAt: Date.now() });
      byTag.set(match[1]!, list);
      res.statusCode = status;
      res.end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url: (tag) => `${origin}/contract/${run}/${tag}`,
    arrivals: (tag) => byTag.get(tag) ?? [],
    async waitFor(tag, count, deadline) {
      while ((byTag.get(tag)?.length ?? 0) < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
      return byTag.get(tag) ?? [];
    },
    strays: () => strays,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
