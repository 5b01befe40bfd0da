/**
 * A local webhook receiver for trying Boomerang: prints every request it gets and answers 200.
 * Usage: npx tsx scripts/receiver.ts [port]   (default 9000)
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 9000);
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const signed = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-request-signature']
      .filter((h) => req.headers[h])
      .map((h) => `${h}: ${req.headers[h]}`);
    let pretty = body;
    try {
      pretty = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Not JSON: print it as it came.
    }
    process.stdout.write(`\n${new Date().toISOString()} ${req.method} ${req.url}\n${signed.join('\n')}\n${pretty}\n`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`receiver listening on http://127.0.0.1:${port}\n`));
