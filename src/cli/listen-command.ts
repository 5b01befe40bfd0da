/**
 * `boomerang listen`: a local callback receiver for development, as `stripe listen` and `svix listen` are. The SDK's
 * receiver kit does every check (signature, schema, webhook-id de-duplication); this prints what it decided and
 * forwards what it accepted to a local service.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import {
  alertContracts,
  callbackContracts,
  type AlertName,
  type CallbackOperation,
  type DeliveryContract,
} from '../../generated/callbacks.gen.js';
import { SERVER_HEADERS } from '../delivery/server-headers.js';
import { callbackHandler } from '../sdk/callback-handler.js';
import { DEFAULT_MAX_BODY_BYTES, type ReceivedCallback } from '../sdk/receive-callback.js';
import { headerValue } from '../sdk/webhook-headers.js';
import { defineCommand } from './define-command.js';

/** Port listened on when --port is not given. */
const DEFAULT_PORT = 9000;
/** How long a forward may take before it counts as failed, in milliseconds (default 10 s). */
const FORWARD_TIMEOUT_MS = 10_000;
/** Most schema problems printed for one request (every contract that could apply adds its own). */
const MAX_PROBLEMS_SHOWN = 12;

type Received = ReceivedCallback<CallbackOperation, AlertName>;

/** One request on its way through the kit: what onCallback saw and what the forward did. */
interface Exchange {
  headers: IncomingHttpHeaders;
  body: Buffer;
  received?: Received;
  forwarded?: string;
}

/** Whether `host` (a URL's hostname) is this machine's loopback: `localhost` or a loopback IP literal. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return bare.toLowerCase() === 'localhost';
  // process() reads ::ffff:127.0.0.1 as the IPv4 address it carries.
  return ipaddr.process(bare).range() === 'loopback';
}

/** Reads a request's body, stopping past `max` bytes: the kit answers 413 without needing the rest. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.byteLength;
    if (length > max) break;
  }
  return Buffer.concat(chunks);
}

/** POSTs an accepted callback on with the same body and the server's headers; says how it went. */
async function forward(url: URL, exchange: Exchange): Promise<{ ok: boolean; line: string }> {
  const headers: Record<string, string> = {};
  for (const name of SERVER_HEADERS) {
    const value = headerValue(exchange.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const started = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body: new Uint8Array(exchange.body), redirect: 'manual', signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await response.arrayBuffer();
    const took = `${Math.round(performance.now() - started)} ms`;
    if (response.ok) return { ok: true, line: `forwarded to ${url.href}: ${response.status} in ${took}` };
    return { ok: false, line: `forwarded to ${url.href}: ${response.status} in ${took}; answered 500 so that the sender retries` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, line: `forward to ${url.href} failed: ${reason}; answered 500 so that the sender retries` };
  }
}

/** The keys of `contracts` whose payload has the same schema and signing as `key`'s: a body cannot tell them apart. */
function alike(contracts: Readonly<Record<string, DeliveryContract>>, key: string): string {
  const { schema, signature } = contracts[key]!;
  return Object.keys(contracts)
    .filter((k) => contracts[k]!.schema === schema && contracts[k]!.signature === signature)
    .join(' or ');
}

/** What the kit decided about one request, as the lines to print. */
function describe(exchange: Exchange, status: number, answer: string, checksSignatures: boolean): string[] {
  const errors = answer ? ((JSON.parse(answer) as { errors?: string[] }).errors ?? []) : [];
  const webhookId = headerValue(exchange.headers, 'webhook-id');
  const received = exchange.received;
  if (received !== undefined) {
    const contract = received.kind === 'callback' ? callbackContracts[received.operation] : alertContracts[received.alert];
    const what =
      received.kind === 'callback'
        ? `callback of ${alike(callbackContracts, received.operation)} (${contract.callback})`
        : `alert ${alike(alertContracts, received.alert)}`;
    const signature = checksSignatures
      ? `signature verified (${contract.signature === 'standard-webhooks' ? 'Standard Webhooks' : 'X-Request-Signature'})`
      : 'signature not checked (no --secret or --token)';
    const verdict = status < 300 ? 'accepted' : 'accepted, but not handled';
    const lines = [`${verdict}: ${what}, schema ${contract.schema} matched, ${signature}${webhookId ? `, webhook-id ${webhookId}` : ''}`];
    if (exchange.forwarded) lines.push(`  ${exchange.forwarded}`);
    return lines;
  }
  if (status === 204) return [`already handled: webhook-id ${webhookId} was accepted before (a redelivery); not forwarded again`];
  if (status === 409) return [`webhook-id ${webhookId} is being handled: answered 409 so that the sender retries`];
  if (status === 401) return [`rejected: signature not verified: ${errors.join('; ')}`];
  if (status === 400) {
    const shown = errors.slice(0, MAX_PROBLEMS_SHOWN).map((e) => `  - ${e}`);
    if (errors.length > shown.length) shown.push(`  … and ${errors.length - shown.length} more`);
    return [`rejected: ${checksSignatures ? 'signature verified, ' : ''}no callback or alert of the spec matches this body:`, ...shown];
  }
  return [`rejected: ${errors.join('; ') || `answered ${status}`}`];
}

/** Receives callbacks on loopback until stopped (Ctrl-C), printing each and forwarding the accepted ones. */
export const listenCommand = defineCommand({
  name: 'listen',
  summary: 'receive callbacks locally: print each one checked against the spec, and forward it',
  usage: '[--port N] [--secret S ...] [--token T] [--forward-to URL] [--body]',
  description:
    'Listens on 127.0.0.1 (any path) for the callbacks and alerts of every operation in the spec, and prints for each\n' +
    'which one it is, whether its signature verified and whether it matches its schema (or the problems). Point a\n' +
    'callback URL at it. With --secret (the callbacks\' sharedSecret) or --token (the API token of dongle execute\n' +
    'requests), a request whose signature does not verify is rejected with 401; with neither, signatures are not checked.\n' +
    'With --forward-to, each accepted callback is POSTed on with the same body and signature headers; when that fails\n' +
    'or is not 2xx, the sender is answered 500 so that it retries. Redeliveries (the same webhook-id) are answered\n' +
    'without forwarding them again.',
  options: {
    port: { type: 'string', value: 'N', description: `port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)` },
    secret: { type: 'string', multiple: true, value: 'S', description: 'verify Standard Webhooks signatures with this shared secret' },
    token: { type: 'string', value: 'T', description: 'verify X-Request-Signature (dongle callbacks) with this API token' },
    'forward-to': { type: 'string', value: 'URL', description: 'POST each accepted callback on to this URL (loopback only)' },
    'forward-anywhere': { type: 'boolean', description: 'allow --forward-to a host other than this machine' },
    body: { type: 'boolean', description: 'also print each body' },
  },
  async run({ values, usageError }, context) {
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!/^[0-9]{1,5}$/.test(values.port ?? '0') || port > 65535) throw usageError(`--port takes a port number, got "${values.port}"`);
    let forwardTo: URL | undefined;
    if (values['forward-to'] !== undefined) {
      try {
        forwardTo = new URL(values['forward-to']);
      } catch {
        throw usageError(`--forward-to takes a URL, got "${values['forward-to']}"`);
      }
      if (forwardTo.protocol !== 'http:' && forwardTo.protocol !== 'https:') throw usageError('--forward-to takes an http: or https: URL');
      if (!isLoopback(forwardTo.hostname) && values['forward-anywhere'] !== true) {
        throw usageError(`--forward-to ${forwardTo.host} is not this machine (localhost, 127.0.0.1, ::1): add --forward-anywhere to allow it`);
      }
    }
    const secrets = values.secret ?? [];
    const token = values.token;
    const checksSignatures = secrets.length > 0 || token !== undefined;
    const current = new AsyncLocalStorage<Exchange>();
    const handler = callbackHandler({
      // listen cannot know which operation a callback answers: every callback and alert of the spec is expected.
      callbacks: Object.keys(callbackContracts) as CallbackOperation[],
      alerts: Object.keys(alertContracts) as AlertName[],
      ...(secrets.length > 0 ? { secret: secrets } : {}),
      ...(token !== undefined ? { token } : {}),
      unsigned: !checksSignatures,
      async onCallback(received) {
        const exchange = current.getStore()!;
        exchange.received = received;
        if (forwardTo === undefined) return;
        const result = await forward(forwardTo, exchange);
        exchange.forwarded = result.line;
        // Thrown, the kit answers 500 and forgets the webhook-id: the sender's retry is forwarded again.
        if (!result.ok) throw new Error(result.line);
      },
      onError() {
        // describe() prints what happened.
      },
    });
    const server = createServer(async (req, res) => {
      const exchange: Exchange = { headers: req.headers, body: await readBody(req, DEFAULT_MAX_BODY_BYTES) };
      const response = {
        statusCode: 200,
        setHeader: (name: string, value: string) => res.setHeader(name, value),
        end(answer?: string) {
          // Printed before the answer leaves, so that a sender that got it finds it printed.
          const time = new Date().toTimeString().slice(0, 8);
          const lines = [`${time}  ${req.method} ${req.url} → ${this.statusCode}  ${describe(exchange, this.statusCode, answer ?? '', checksSignatures).join('\n')}`];
          if (values.body === true && exchange.body.byteLength > 0) lines.push(exchange.body.toString('utf8'));
          context.stdout.write(lines.join('\n') + '\n');
          res.statusCode = this.statusCode;
          res.end(answer);
        },
      };
      await current.run(exchange, () => handler(Object.assign(req, { body: exchange.body }), response));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: choose another with --port`) : err),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const operations = Object.keys(callbackContracts).length;
    const alerts = Object.keys(alertContracts).length;
    context.stdout.write(
      `Listening on ${url} (any path) for the callbacks of ${operations} operations and ${alerts} alerts; ` +
        `signatures ${checksSignatures ? 'verified' : 'not checked'}${forwardTo ? `; forwarding to ${forwardTo.href}` : ''}. Ctrl-C stops.\n`,
    );
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) resolve();
      else context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    context.stdout.write('Stopped.\n');
  },
});
