import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBenchChromium } from './bench-lib';
const WORKER = `
onmessage = async ({ data: { way, file } }) => {
  const t0 = performance.now(); let n = 0;
  if (way === 'stream') { const r = file.stream().getReader(); for (;;) { const { value, done } = await r.read(); if (done) break; n += value.length; } }
  else if (way.startsWith('sync')) { const size = Number(way.slice(4)) << 20; const fr = new FileReaderSync(); for (let at = 0; at < file.size; at += size) n += fr.readAsArrayBuffer(file.slice(at, at + size)).byteLength; }
  else if (way.startsWith('async')) { const size = Number(way.slice(5)) << 20; for (let at = 0; at < file.size; at += size) n += (await file.slice(at, at + size).arrayBuffer()).byteLength; }
  else if (way.startsWith('ahead')) { const size = Number(way.slice(5)) << 20; let next = file.slice(0, size).arrayBuffer(); for (let at = 0; at < file.size; at += size) { const cur = await next; next = at + size < file.size ? file.slice(at + size, at + 2 * size).arrayBuffer() : null; n += cur.byteLength; } }
  else if (way.startsWith('byob')) { const r = file.stream().getReader({ mode: 'byob' }); let buf = new ArrayBuffer(Number(way.slice(4)) << 20); for (;;) { const { value, done } = await r.read(new Uint8Array(buf)); if (done) break; n += value.length; buf = value.buffer; } }
  postMessage({ s: (performance.now() - t0) / 1000, n });
};`;
const server = createServer((req, res) => {
  if (req.url === '/w.js') { res.setHeader('content-type', 'text/javascript'); return res.end(WORKER); }
  res.setHeader('content-type', 'text/html'); res.end('<input type=file id=f>');
}).listen(0, '127.0.0.1');
await new Promise((ok) => server.once('listening', ok));
const browser = await launchBenchChromium();
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
await page.setInputFiles('#f', '/tmp/f100.bin');
for (const way of (process.env.WAYS ?? 'byob1').split(',')) {
  const r = await Promise.race([new Promise<{s:number;n:number}>((ok) => setTimeout(() => ok({ s: -1, n: -1 }), 20000)), page.evaluate((way) => new Promise<{ s: number; n: number }>((ok) => {
    const w = new Worker('/w.js'); w.onmessage = (e) => { ok(e.data); w.terminate(); };
    w.postMessage({ way, file: (document.getElementById('f') as HTMLInputElement).files![0] });
  }), way)]);
  console.log(way.padEnd(8), r.s.toFixed(3), r.n);
}
await browser.close(); server.close();
