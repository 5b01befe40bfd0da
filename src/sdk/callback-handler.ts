/** The receiver kit as a request handler for Node's `http` and for express: reads the raw body, then callbackReceiver(). */
import type { AlertName, CallbackOperation } from '../../generated/callbacks.gen.js';
import { callbackReceiver, DEFAULT_MAX_BODY_BYTES, type CallbackReceiverOptions } from './receive-callback.js';
import type { HeaderSource } from './webhook-headers.js';

/** What the handler needs of a request: Node's IncomingMessage and express's Request are both this. */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  method?: string | undefined;
  headers: HeaderSource;
  /** Set by a body parser that ran before the handler: a Buffer (express.raw) or a string (express.text) is used as is. */
  body?: unknown;
}

/** What the handler needs of a response: Node's ServerResponse and express's Response are both this. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** Reads the body, stopping once it is over `max` bytes (the rest is not needed to answer 413). */
async function readBody(req: NodeRequestLike, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    chunks.push(bytes);
    length += bytes.byteLength;
    if (length > max) break;
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/**
 * A handler for `http.createServer(handler)` or `app.post(path, handler)`, answering 204 to a callback it accepted
 * (and to a redelivery of one it handled: the same webhook-id and body), 400 (not the expected payload), 401
 * (signature), 405, 409 (the same webhook-id is being handled), 413, 422 (a webhook-id it has seen, with another
 * body), or 500 when your onCallback throws (so that the sender retries). Mount it before any JSON body parser: a signature is
 * checked over the exact bytes sent, so express.json() must not have consumed them (express.raw() is fine).
 */
export function callbackHandler<K extends CallbackOperation = never, A extends AlertName = never>(
  options: CallbackReceiverOptions<K, A>,
): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void> {
  const receive = callbackReceiver(options);
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (req, res) => {
    const send = (status: number, headers: Record<string, string>, body: string) => {
      res.statusCode = status;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.end(body);
    };
    let body: Uint8Array;
    if (req.body instanceof Uint8Array) body = req.body;
    else if (typeof req.body === 'string') body = new TextEncoder().encode(req.body);
    else if (typeof req.body === 'object' && req.body !== null) {
      // A JSON parser already turned the bytes into an object: the signature can no longer be checked.
      send(500, { 'content-type': 'application/json' }, JSON.stringify({ errors: ['the receiver parsed the body before verifying it; mount callbackHandler before express.json()'] }));
      return;
    } else body = await readBody(req, max);
    try {
      const answer = await receive({ method: req.method ?? 'GET', headers: req.headers, body });
      send(answer.status, answer.headers, answer.body);
    } catch (err) {
      send(500, { 'content-type': 'application/json' }, JSON.stringify({ errors: ['the receiver failed'] }));
      console.error('Boomerang callback receiver failed:', err);
    }
  };
}
