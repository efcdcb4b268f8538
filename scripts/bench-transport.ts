/**
 * Transport-status benchmark (issue 15): 20 recipients on 20 domains pasted at once, every DNS
 * answer delayed 100 ms (a scripted resolver on loopback, answers marked validated). Prints the
 * time from the paste until every chip's `data-transport` has settled: first (nothing cached),
 * cached in the page (chips removed and pasted again), and cached by the companion only (a fresh
 * page). Run: npm run bench:transport   (BENCH_LATENCY_MS, BENCH_ROUNDS)
 */
import type { Page } from '@playwright/test';
import type * as dns from 'dns-packet';
import { launchBenchChromium, startBenchApp } from './bench-lib';
import { startScriptedDns, type ScriptedAnswer } from '../server/testing/scripted-dns';

const N = 20;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Fresh domains for each round, so that each first paste is uncached everywhere. */
const domainsOf = (round: number) => Array.from({ length: N }, (_, i) => `d${i + 1}.r${round}.bench.example`);
const addressesOf = (round: number) => domainsOf(round).map((d, i) => `user${i + 1}@${d}`);

// Each domain: an MX and a TLSA (DANE) for half of them, no MTA-STS; every answer after LATENCY_MS.
const script: Record<string, ScriptedAnswer> = {};
for (const [i, d] of Array.from({ length: ROUNDS }, (_, r) => domainsOf(r))
  .flat()
  .entries()) {
  const mx: dns.Answer = { type: 'MX', name: d, ttl: 300, data: { preference: 10, exchange: `mx.${d}` } };
  script[`${d}/MX`] = { ad: true, answers: [mx], delayMs: LATENCY_MS };
  script[`_mta-sts.${d}/TXT`] = { rcode: 'NXDOMAIN', ad: true, delayMs: LATENCY_MS };
  script[`_smtp._tls.${d}/TXT`] = { rcode: 'NXDOMAIN', ad: true, delayMs: LATENCY_MS };
  script[`_25._tcp.mx.${d}/TLSA`] =
    i % 2 === 0
      ? {
          ad: true,
          delayMs: LATENCY_MS,
          answers: [
            {
              type: 'TLSA',
              name: `_25._tcp.mx.${d}`,
              ttl: 300,
              data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) },
            },
          ],
        }
      : { rcode: 'NXDOMAIN', ad: true, delayMs: LATENCY_MS };
}
const resolver = await startScriptedDns(script);
const app = await startBenchApp({
  transport: {
    resolver: { host: '127.0.0.1', port: Number(resolver.address.split(':')[1]) },
    policy: { port: 443, caFile: null, allowPrivate: false, timeoutMs: 10_000 },
  },
});
const browser = await launchBenchChromium(['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']);

/** ms from pasting until every chip's data-transport is settled (measured in the page). */
const SETTLE_IN_PAGE = `(({ text, count }) => new Promise((done) => {
  const field = document.querySelector('textarea.recipient-input');
  const start = performance.now();
  const check = () => {
    const chips = [...document.querySelectorAll('[data-recipient]')];
    if (chips.length >= count && chips.every((c) => (c.getAttribute('data-transport') ?? 'pending') !== 'pending')) {
      const total = performance.now() - start;
      const req = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/transport') && e.startTime >= start);
      window.__transportTiming = req.length ? [req[0].startTime - start, req[0].responseEnd - start] : null;
      return done(total);
    }
    requestAnimationFrame(check);
  };
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(field, text);
  field.dispatchEvent(new Event('input', { bubbles: true }));
  check();
}))`;
const settle = (page: Page, round: number) =>
  page.evaluate(
    `${SETTLE_IN_PAGE}(${JSON.stringify({ text: `${addressesOf(round).join(', ')}, `, count: N })})`,
  ) as Promise<number>;

async function composer() {
  const context = await browser.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await page.getByLabel('To', { exact: true }).waitFor();
  await page.getByRole('region', { name: 'Delivery summary' }).waitFor();
  return { context, page };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const spread = (v: number[]) => `${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`;

try {
  const first: number[] = [];
  const pageCached: number[] = [];
  const companionCached: number[] = [];
  let statuses = '';
  for (let round = 0; round < ROUNDS; round++) {
    const { context, page } = await composer();
    first.push(await settle(page, round));
    if (process.env.BENCH_DEBUG)
      console.log('request sent / answered after (ms):', await page.evaluate('window.__transportTiming'));
    statuses = [
      ...new Set(
        await page.locator('[data-recipient]').evaluateAll((els) => els.map((e) => e.getAttribute('data-transport'))),
      ),
    ].join(', ');
    while ((await page.locator('[data-recipient]').count()) > 0) await page.locator('.chip-remove').first().click();
    pageCached.push(await settle(page, round));
    await context.close();
    // A fresh page: only the companion remembers these domains.
    const again = await composer();
    companionCached.push(await settle(again.page, round));
    await again.context.close();
  }
  console.log(
    `\nTransport-status benchmark — ${N} recipients on ${N} domains, every DNS answer after ${LATENCY_MS} ms, Chromium ${browser.version()}, median (min–max) of ${ROUNDS}\n`,
  );
  console.log(`first paste, nothing cached           ${spread(first)} ms   (goal ≤ 400 ms)`);
  console.log(`again in the same page                ${spread(pageCached)} ms   (goal ≤ 20 ms)`);
  console.log(`fresh page, the companion's cache     ${spread(companionCached)} ms`);
  console.log(
    `statuses seen: ${statuses}; DNS questions asked: ${resolver.queries.length} (${4 * N * ROUNDS} expected)`,
  );
} finally {
  await browser.close();
  await app.close();
  await resolver.close();
}
