/**
 * `npm run bench:server`: the companion under hostile clients. A name server on loopback that never
 * answers stands in for hanging DNS; the load runs in a process of its own (bench-server-load.ts).
 * Prints the server's event-loop delay (p50, p99, max) while it lasts, and whether the normal
 * user's send went through. Goal: p99 under 50 ms, nothing lost.
 */

import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBenchApp } from './bench-lib';

const silent = createSocket('udp4');
await new Promise<void>((ok) => silent.bind(0, '127.0.0.1', ok));
const app = await startBenchApp({
  prefillAccount: null,
  wkdProxy: {
    timeoutMs: 5000,
    maxBytes: 256 * 1024,
    allowPrivate: false,
    hostMap: new Map(),
    extraCaFile: null,
    onlyMapped: false,
    resolver: `127.0.0.1:${silent.address().port}`,
  },
});
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
console.log(`bench:server — ${rounds} rounds against ${app.url} (hanging DNS at 127.0.0.1:${silent.address().port})\n`);
console.log(
  'round | loop p50 | loop p99 | loop max | user send | user ms | failed logins (status: count) | batch lines',
);
const p99s: number[] = [];
let allSent = true;
for (let round = 1; round <= rounds; round++) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const out = await new Promise<string>((ok, fail) => {
    // Asynchronously, so the server keeps serving while the load runs in its own process.
    execFile('npx', ['tsx', 'scripts/bench-server-load.ts', app.url], { maxBuffer: 1 << 20 }, (e, stdout) =>
      e ? fail(e) : ok(stdout),
    );
  });
  delay.disable();
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
    user: { ok: boolean; ms: number };
    failedLogins: { byStatus: Record<string, number> };
    batch: { lines: number };
  };
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  p99s.push(delay.percentile(99) / 1e6);
  allSent &&= result.user.ok;
  console.log(
    `${String(round).padStart(5)} | ${ms(delay.percentile(50)).padStart(8)} | ${ms(delay.percentile(99)).padStart(8)} | ${ms(delay.max).padStart(8)} | ${result.user.ok ? 'sent' : 'FAILED'} | ${result.user.ms.toFixed(0).padStart(7)} | ${JSON.stringify(result.failedLogins.byStatus)} | ${result.batch.lines}`,
  );
}
const worst = Math.max(...p99s);
console.log(
  `\nevent-loop delay p99, worst round: ${worst.toFixed(1)} ms (goal < 50 ms: ${worst < 50 ? 'met' : 'NOT met'}); normal user's sends: ${allSent ? 'all went through' : 'SOME FAILED'}`,
);
await app.close();
silent.close();
