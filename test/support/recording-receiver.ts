/** A real HTTP receiver on loopback that records every request and answers as scripted. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How to answer one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; delayMs?: number; body?: string }
  | { reset: true };

/** One request as received. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Names and values as they came, alternating: Node joins repeated headers into `headers`, or keeps only the first. */
  rawHeaders: string[];
  body: string;
  /** Date.now() when the body was complete. */
  at: number;
}

/** The receiver: `url`, what it got, and how to script and await it. */
export class RecordingReceiver {
  readonly received: Received[] = [];
  private script: (n: number, request: Received) => Reply = () => ({ status: 200 });
  private waiters: { count: number; resolve: () => void }[] = [];
  private server!: Server;
  url = '';

  /** Starts listening on a random loopback port. */
  static async start(): Promise<RecordingReceiver> {
    const receiver = new RecordingReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        receiver.received.push(request);
        const reply = receiver.script(receiver.received.length, request);
        receiver.notify();
        if ('reset' in reply) {
          req.socket.resetAndDestroy();
          return;
        }
        const answer = () => {
          res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
          res.end(reply.body ?? 'ok');
        };
        if (reply.delayMs) setTimeout(answer, reply.delayMs).unref();
        else answer();
      });
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** Sets how the n-th request (1-based, counted since the start) is answered. */
  reply(script: (n: number, request: Received) => Reply): void {
    this.script = script;
  }

  /** Resolves once at least `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} requests, got ${this.received.length}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.received);
        },
      });
    });
  }

  /** The requests received on `path`, in arrival order. */
  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves with the requests on `path` once there are at least `count`; rejects after `timeoutMs`. */
  async waitOn(path: string, count = 1, timeoutMs = 10_000): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    while (this.on(path).length < count) {
      if (Date.now() > until) throw new Error(`${path}: ${this.on(path).length} of ${count} requests`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.on(path);
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Stops the receiver. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
