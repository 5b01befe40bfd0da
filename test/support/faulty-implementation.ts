/**
 * A small, deliberately wrong implementation of four of the spec's live tools, for `contract api` to catch: ping's
 * callback has the wrong shape, pingDevice's is signed with the wrong key, wakeOnLan answers an undeclared status, and
 * arpTable never completes, so never sends its callback. Everything else about them is right (the test checks that no
 * other check fails), so each fault is the only one of its tool.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { standardWebhookHeaders, newWebhookId } from '../../src/callbacks/signing.js';

/** A running faulty implementation. */
export interface FaultyImplementation {
  url: string;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

/** The job a live tool's 201 (and its GET) answers, in the shape the spec gives it. */
function job(tool: string, idField: string, id: string, serial: string, request: Body, status: string, results?: Body): Body {
  return { [idField]: id, url: `/devices/${serial}/liveTools/${tool}/${id}`, request: { serial, ...request }, status, ...(results ? { results } : {}) };
}

/** Starts the faulty implementation on a free loopback port. */
export async function startFaultyImplementation(): Promise<FaultyImplementation> {
  const jobs = new Map<string, Body>();
  let next = 1000;
  const send = async (url: string, payload: Body, secret: string) => {
    const body = JSON.stringify(payload);
    const headers = standardWebhookHeaders(newWebhookId(), Math.floor(Date.now() / 1000), body, secret);
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).catch(() => undefined);
  };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const answer = (status: number, body?: unknown) => {
        res.statusCode = status;
        if (body !== undefined) res.setHeader('content-type', 'application/json');
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const match = /^\/api\/v1\/devices\/([^/]+)\/liveTools\/(ping|pingDevice|wakeOnLan|arpTable)(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (match === null) return answer(404, { errors: ['Not found'] });
      if (!/^Bearer .+/.test(req.headers.authorization ?? '')) return answer(401, { errors: ['Invalid API key'] });
      const [, serial, tool, id] = match as unknown as [string, string, string, string | undefined];
      if (req.method === 'GET' && id !== undefined) {
        const found = jobs.get(id);
        return found ? answer(200, found) : answer(404, { errors: ['Not found'] });
      }
      if (req.method !== 'POST' || id !== undefined) return answer(404, { errors: ['Not found'] });
      let body: Body;
      try {
        body = JSON.parse(text || '{}') as Body;
      } catch {
        return answer(400, { errors: ['The body is not JSON'] });
      }
      const callback = body.callback as { url?: string; sharedSecret?: string } | undefined;
      const idField = tool === 'wakeOnLan' ? 'wakeOnLanId' : tool === 'arpTable' ? 'arpTableId' : 'pingId';
      // Right about input: the invalid variants get their 400.
      if (tool === 'ping' && (typeof body.target !== 'string' || body.target.length > 253 || (body.count !== undefined && (typeof body.count !== 'number' || body.count > 5 || body.count < 1)))) {
        return answer(400, { errors: ['target must be a string; count from 1 to 5'] });
      }
      if (tool === 'pingDevice' && body.count !== undefined && (typeof body.count !== 'number' || body.count > 5 || body.count < 1)) return answer(400, { errors: ['count from 1 to 5'] });
      if (tool === 'wakeOnLan' && (typeof body.vlanId !== 'number' || typeof body.mac !== 'string' || body.vlanId > 4094 || body.vlanId < 1)) return answer(400, { errors: ['vlanId and mac are required'] });
      if (callback !== undefined && (typeof callback !== 'object' || typeof callback.url !== 'string')) return answer(400, { errors: ['callback.url must be a string'] });
      const jobId = String(next++);
      const request: Body = tool === 'ping' ? { target: body.target, count: body.count ?? 5 } : tool === 'pingDevice' ? { count: body.count ?? 5 } : tool === 'wakeOnLan' ? { vlanId: body.vlanId, mac: body.mac } : {};
      const callbackId = `9${jobId}`;
      const created = { ...job(tool, idField, jobId, serial, request, 'new'), ...(callback ? { callback: { id: callbackId, url: callback.url, status: 'new' } } : {}) };
      jobs.set(jobId, created);
      // Fault: wakeOnLan answers 202, which the spec does not declare.
      answer(tool === 'wakeOnLan' ? 202 : 201, created);
      // Fault: arpTable never completes, so it never calls back.
      if (callback?.url === undefined || tool === 'arpTable') return;
      const secret = callback.sharedSecret ?? '';
      const results: Body | undefined =
        tool === 'wakeOnLan' ? undefined : { sent: 1, received: 1, loss: { percentage: 0 }, latencies: { minimum: 1.5, average: 1.5, maximum: 1.5 }, replies: [{ sequenceId: 1, size: 84, latency: 1.5 }] };
      const finished = job(tool, idField, jobId, serial, request, 'complete', results);
      jobs.set(jobId, { ...finished, callback: { id: callbackId, url: callback.url, status: 'completed' } });
      const envelope = { callbackId, organization: { id: '1', name: 'Faulty' }, network: { id: '2', name: 'Net' }, sentAt: new Date().toISOString(), message: finished };
      // Fault: ping's callback says `sent` as text.
      if (tool === 'ping') void send(callback.url, { ...envelope, message: { ...finished, results: { ...results, sent: 'one' } } }, secret);
      // Fault: pingDevice signs with a key other than the request's sharedSecret.
      else if (tool === 'pingDevice') void send(callback.url, envelope, `${secret}-but-not-quite`);
      else void send(callback.url, envelope, secret);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
