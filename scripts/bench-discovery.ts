/**
 * Discovery benchmark: 20 recipients on 20 different domains, pasted at once, each domain's WKD
 * answering after 100 ms of injected latency (local HTTPS, test CA). Prints the time until all key
 * icons settle: first look-up, cached, and one address at a time (the sequential order) — for WKD
 * from the browser and through the server proxy. Run: npm run bench:discovery
 */
import type { Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { wkdLocation } from '../src/core/discovery/wkd-url';
import { startAppServer } from '../server/app-server';
import { launchBenchChromium } from './bench-lib';
import { wkdProxyConfigFromEnv } from '../server/lookup/wkd-proxy';
import { makeTestCertificates } from '../server/testing/test-ca';

const N = 20;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const WKD_PORT = Number(process.env.BENCH_WKD_PORT ?? 18443);
const APP_PORT = Number(process.env.BENCH_PORT ?? 18191);
const dir = mkdtempSync(join(tmpdir(), 'bench-discovery-'));
const domains = Array.from({ length: N }, (_, i) => `d${i + 1}.bench.test`);
const hosts = domains.flatMap((d) => [d, `openpgpkey.${d}`]);
const addresses = domains.map((d, i) => `user${i + 1}@${d}`);

// A throw-away CA and a certificate for all 40 host names; Chromium trusts it by its key's hash.
const certificates = makeTestCertificates(hosts);
writeFileSync(join(dir, 'server.key'), certificates.key);
writeFileSync(join(dir, 'server.crt'), certificates.cert);
const spki = createHash('sha256')
  .update(createPublicKey(certificates.key).export({ type: 'spki', format: 'der' }))
  .digest('base64');

// One key per address, served at its advanced WKD URL after LATENCY_MS by a process of its own.
const byPath: Record<string, string> = {};
for (const address of addresses) {
  const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: address }], format: 'binary' });
  const loc = await wkdLocation(address);
  byPath[`${new URL(loc.advanced).host}${new URL(loc.advanced).pathname}`] = Buffer.from(publicKey).toString('base64');
}
writeFileSync(join(dir, 'keys.json'), JSON.stringify(byPath));
let requests = 0;
const wkd = spawn(
  process.execPath,
  ['--import', 'tsx', resolve('scripts/bench-wkd-server.ts'), dir, String(WKD_PORT), String(LATENCY_MS)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((ready, fail) => {
  wkd.once('exit', (code) => fail(new Error(`The WKD server exited (${code}).`)));
  wkd.stdout.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (line === 'ready') ready();
      if (line === 'request') requests++;
    }
  });
});

const app = await startAppServer({
  host: '127.0.0.1',
  port: APP_PORT,
  dataDir: join(dir, 'data'),
  serve: 'dist',
  distDir: resolve('dist'),
  corsOrigins: [],
  seedDemo: true,
  prefillAccount: 'alice@example.test',
  wkdProxy: wkdProxyConfigFromEnv({
    WKD_PROXY_ALLOW_PRIVATE: '1',
    WKD_PROXY_ONLY_MAPPED: '1',
    WKD_PROXY_CA_FILE: certificates.caFile,
    WKD_PROXY_HOST_MAP: hosts.map((h) => `${h}=127.0.0.1:${WKD_PORT}`).join(','),
  }),
});
const browser = await launchBenchChromium([
  `--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1:${WKD_PORT}`).join(', ')}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`,
  `--ignore-certificate-errors-spki-list=${spki}`,
]);

/** ms from pasting until every chip's key status is settled (measured in the page). */
// Plain source text: tsx would wrap a function's inner helpers in `__name`, unknown in the page.
const SETTLE_IN_PAGE = `(({ text, count }) => new Promise((done) => {
  const field = document.querySelector('textarea.recipient-input');
  const start = performance.now();
  const check = () => {
    const chips = [...document.querySelectorAll('[data-recipient]')];
    if (chips.length >= count && chips.every((c) => c.getAttribute('data-key-status') !== 'pending')) return done(performance.now() - start);
    requestAnimationFrame(check);
  };
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(field, text);
  field.dispatchEvent(new Event('input', { bubbles: true }));
  check();
}))`;

async function settle(page: Page, text: string, count: number): Promise<number> {
  return page.evaluate(`${SETTLE_IN_PAGE}(${JSON.stringify({ text, count })})`) as Promise<number>;
}

async function clearChips(page: Page) {
  while ((await page.locator('[data-recipient]').count()) > 0) await page.locator('.chip-remove').first().click();
}

/** A fresh profile (nothing cached), signed in, WKD only, on the composer. */
async function composerIn(mode: 'browser' | 'proxy', warm: boolean) {
  const context = await browser.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Key server', { exact: true }).fill('');
  await page.getByLabel('Look up WKD keys', { exact: true }).selectOption(mode);
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await page.getByLabel('To', { exact: true }).waitFor();
  // "warm": the composer has been idle for a moment (crypto worker and look-up code loaded), as
  // when a person starts typing; "cold": pasted the instant the composer appears.
  if (warm)
    await page.waitForFunction(() => performance.getEntriesByName('compose-warm').length > 0, undefined, {
      timeout: 30_000,
    });
  return { context, page };
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]) =>
  `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;

/** Each round in a fresh profile, so nothing is cached; the figures are medians over the rounds. */
async function scenario(mode: 'browser' | 'proxy') {
  const text = `${addresses.join(', ')}, `;
  const coldFirst: number[] = [];
  const first: number[] = [];
  const cached: number[] = [];
  let valid = 0;
  let firstRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cold = await composerIn(mode, false);
    coldFirst.push(await settle(cold.page, text, N));
    await cold.context.close();
    const { context, page } = await composerIn(mode, true);
    requests = 0;
    first.push(await settle(page, text, N));
    firstRequests = requests;
    valid = await page.locator('[data-key-status="valid"]').count();
    await clearChips(page);
    cached.push(await settle(page, text, N));
    await context.close();
  }
  // One address at a time, each after the previous settled, in a fresh profile (nothing cached).
  const { context: seqContext, page: seqPage } = await composerIn(mode, true);
  let sequential = 0;
  for (const [i, address] of addresses.entries()) sequential += await settle(seqPage, `${address}, `, i + 1);
  await seqContext.close();
  return { coldFirst, first, cached, sequential, valid, firstRequests };
}

try {
  console.log(
    `\nDiscovery benchmark — ${N} recipients on ${N} domains, WKD answers after ${LATENCY_MS} ms, Chromium ${browser.version()}`,
  );
  console.log(`medians of ${ROUNDS} rounds (range), each round in a fresh browser profile\n`);
  console.log(
    `${'WKD path'.padEnd(26)} ${'cold ms'.padStart(15)} ${'first ms'.padStart(15)} ${'cached ms'.padStart(12)} ${'sequential ms'.padStart(14)} ${'speed-up'.padStart(9)}  found`,
  );
  for (const mode of ['browser', 'proxy'] as const) {
    const r = await scenario(mode);
    console.log(
      `${(mode === 'browser' ? 'from the browser' : 'through the server proxy').padEnd(26)} ${spread(r.coldFirst).padStart(15)} ${spread(r.first).padStart(15)} ${spread(r.cached).padStart(12)} ${r.sequential.toFixed(0).padStart(14)} ${(r.sequential / median(r.first)).toFixed(1).padStart(8)}×  ${r.valid}/${N} (${r.firstRequests} WKD requests)`,
    );
  }
  console.log(
    `\ncold: pasted the instant the composer appears (crypto worker and look-up code still loading); first: nothing cached, composer idle for a moment first`,
  );
  console.log(`sequential: the seed's order, one address looked up after the other (one run)`);
  console.log(`goals: ≤ 350 ms for ${N} recipients found on WKD, ≤ 50 ms when cached`);
} finally {
  await browser.close();
  await app.close();
  wkd.kill();
  rmSync(dir, { recursive: true, force: true });
  certificates.cleanup();
}
