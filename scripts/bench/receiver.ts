/** Benchmark receiver (a child process): answers 200 at once and records when each webhook-id arrived. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const arrivals = new Map<string, number>();
let count = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    count += 1;
    const id = req.headers['webhook-id'];
    if (typeof id === 'string' && !arrivals.has(id)) arrivals.set(id, performance.timeOrigin + performance.now());
    res.writeHead(200, { 'content-length': '2' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'count') process.send!({ count });
  if (msg.cmd === 'arrivals') process.send!({ arrivals: [...arrivals] });
  if (msg.cmd === 'reset') {
    count = 0;
    arrivals.clear();
    process.send!({ reset: true });
  }
});
