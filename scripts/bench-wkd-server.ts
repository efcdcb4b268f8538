// The simulated WKD servers of scripts/bench-discovery.ts, in a process of their own (real WKD
// servers do not share the companion server's event loop). Serves keys.json (host+path -> base64)
// over HTTPS after LATENCY_MS, prints "ready" once listening and "request" for each request.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [dir, port, latency] = process.argv.slice(2) as [string, string, string];
const keys = JSON.parse(readFileSync(`${dir}/keys.json`, 'utf8')) as Record<string, string>;
const server = createServer(
  { key: readFileSync(`${dir}/server.key`), cert: readFileSync(`${dir}/server.crt`) },
  (req, res) => {
    process.stdout.write('request\n');
    const key =
      keys[`${(req.headers.host ?? '').replace(/:\d+$/, '')}${new URL(req.url ?? '/', 'https://x').pathname}`];
    setTimeout(() => {
      res.writeHead(key ? 200 : 404, {
        'Content-Type': 'application/octet-stream',
        'Access-Control-Allow-Origin': '*',
      });
      res.end(key ? Buffer.from(key, 'base64') : undefined);
    }, Number(latency));
  },
);
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
