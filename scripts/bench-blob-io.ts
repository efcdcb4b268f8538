/**
 * What Blob I/O itself costs in a worker of Debian's Chromium, with no OpenPGP at all: the floor
 * under bench:encrypt and bench:send (issue 16). A large send reads its attachment File and
 * writes its message into a Blob; this times exactly those two steps for the bytes of a 100 MB
 * attachment's armored message, the way the app does them (16 MiB pieces) and the alternatives
 * tried: other piece sizes, one buffer, Response(stream).blob() and the origin-private file system.
 * Run: npm run bench:blob-io   (BENCH_MB=185, BENCH_RUNS=3; BENCH_PROFILE=incognito for a private context,
 * whose origin-private file system is kept in memory)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBenchProfile } from './bench-lib';

const MB = Number(process.env.BENCH_MB ?? 185);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WAYS = ['pieces-1MiB', 'pieces-16MiB', 'pieces-64MiB', 'one-buffer', 'response-stream', 'opfs'] as const;

/** Runs in a dedicated worker: make a Blob of `megabytes` one way, then read it back as an upload would. */
const WORKER = `
onmessage = async ({ data: { way, megabytes } }) => {
  const total = megabytes * 1024 * 1024;
  const pieceOf = { 'pieces-1MiB': 1, 'pieces-16MiB': 16, 'pieces-64MiB': 64 };
  const piece = (pieceOf[way] ?? 16) * 1024 * 1024;
  const buffer = new Uint8Array(piece);
  for (let i = 0; i < piece; i += 65536) crypto.getRandomValues(buffer.subarray(i, i + 65536));
  const t0 = performance.now();
  let blob;
  if (way.startsWith('pieces-')) {
    const blobs = [];
    for (let at = 0; at < total; at += piece) blobs.push(new Blob([buffer.subarray(0, Math.min(piece, total - at))]));
    blob = new Blob(blobs);
  } else if (way === 'one-buffer') {
    const all = new Uint8Array(total);
    for (let at = 0; at < total; at += piece) all.set(buffer.subarray(0, Math.min(piece, total - at)), at);
    blob = new Blob([all]);
  } else if (way === 'response-stream') {
    let at = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (at >= total) return c.close();
        const n = Math.min(1 << 20, total - at);
        at += n;
        c.enqueue(buffer.slice(0, n));
      },
    });
    blob = await new Response(stream).blob();
  } else {
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('bench.bin', { create: true });
    const file = await handle.createSyncAccessHandle();
    file.truncate(0);
    for (let at = 0; at < total; at += piece) file.write(buffer.subarray(0, Math.min(piece, total - at)), { at });
    file.flush();
    file.close();
    blob = await handle.getFile();
  }
  const t1 = performance.now();
  const reader = blob.stream().getReader();
  let read = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    read += value.length;
  }
  const t2 = performance.now();
  if (way === 'opfs') await (await navigator.storage.getDirectory()).removeEntry('bench.bin');
  postMessage({ write: (t1 - t0) / 1000, read: (t2 - t1) / 1000, bytes: read });
};`;

const server = createServer((req, res) => {
  const worker = req.url === '/worker.js';
  res.setHeader('Content-Type', worker ? 'text/javascript' : 'text/html');
  res.end(worker ? WORKER : '<!doctype html><title>blob io</title>');
}).listen(0, '127.0.0.1');
await new Promise((ok) => server.once('listening', ok));
const browser = await launchBenchProfile();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  console.log(
    `\nBlob I/O in a worker — Chromium ${browser.version} (${browser.profile} profile), ${MB} MB, median (min–max) of ${RUNS}\n`,
  );
  console.log(
    `${'way'.padEnd(16)} ${'write s'.padStart(18)} ${'read back s'.padStart(18)} ${'write MB/s'.padStart(11)}`,
  );
  for (const way of WAYS) {
    const runs: { write: number; read: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await page.evaluate(
        ({ way, megabytes }) =>
          new Promise<{ write: number; read: number; bytes: number }>((resolve, reject) => {
            const worker = new Worker('/worker.js');
            worker.onmessage = (e) => {
              worker.terminate();
              resolve(e.data);
            };
            worker.onerror = (e) => reject(new Error(e.message));
            worker.postMessage({ way, megabytes });
          }),
        { way, megabytes: MB },
      );
      if (result.bytes !== MB * 1024 * 1024) throw new Error(`${way}: read back ${result.bytes} bytes`);
      runs.push(result);
    }
    const cell = (xs: number[]) =>
      `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`.padStart(18);
    const writes = runs.map((r) => r.write);
    console.log(
      `${way.padEnd(16)} ${cell(writes)} ${cell(runs.map((r) => r.read))} ${(MB / median(writes)).toFixed(0).padStart(11)}`,
    );
  }
  console.log(
    '\nwrite: the bytes into a Blob (or an OPFS file); read back: through blob.stream(), as an upload reads it.',
  );
} finally {
  await browser.close();
  server.close();
}
