/** Benchmark child: bare express doing what a live tool POST does at the least (JSON body parsed, 201 with a job); the peer. */
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
let id = 0;
app.post('/api/v1/devices/:serial/liveTools/ping', (req, res) => {
  id += 1;
  const body = req.body as { target?: string; count?: number };
  res.status(201).json({
    pingId: String(id),
    url: `/devices/${req.params.serial}/liveTools/ping/${id}`,
    request: { serial: req.params.serial, target: body.target, count: body.count ?? 5 },
    status: 'new',
  });
});
const server = app.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'stop') server.close(() => process.exit(0));
});
// Exits with its parent, even one that failed before asking.
process.on('disconnect', () => process.exit(0));
