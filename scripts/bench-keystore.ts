/**
 * Keystore benchmark (issue: "10,000 keys add ≤ 50 ms to start-up"), in Debian's Chromium against the
 * production build: start-up with 0 vs 10,000 stored keys, the Keys view, and importing 10,000 keys.
 * Run: npm run bench:keystore   (builds first; the 10,000 keys are cached in .bench-cache/)
 */
import type { Page } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { startAppServer } from '../server/app-server';
import { launchBenchChromium } from './bench-lib';

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const cacheFile = resolve(`.bench-cache/keys-${KEYS}.asc`);

async function cachedKeys(): Promise<string> {
  if (existsSync(cacheFile)) return readFileSync(cacheFile, 'utf8');
  mkdirSync('.bench-cache', { recursive: true });
  console.log(`Generating ${KEYS} public keys (once; cached in ${cacheFile})…`);
  const out: string[] = [];
  for (let i = 0; i < KEYS; i++) {
    const { publicKey } = await openpgp.generateKey({
      userIDs: [{ name: `Bench ${i}`, email: `bench${i}@bench.example` }],
      format: 'binary',
    });
    out.push(openpgp.armor(openpgp.enums.armor.publicKey, publicKey));
    if ((i + 1) % 1000 === 0) console.log(`  ${i + 1}/${KEYS}`);
  }
  writeFileSync(cacheFile, out.join('\n'));
  return out.join('\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const markTime = (page: Page, name: string) =>
  page
    .waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: 120_000 })
    .then((h) => h.jsonValue() as Promise<number>);

async function startupTimes(page: Page): Promise<{ compose: number; keys: number }> {
  const compose: number[] = [];
  const keys: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto('/#/compose');
    await page.reload();
    compose.push(await markTime(page, 'compose-ready'));
    await page.goto('/#/keys');
    await page.reload();
    keys.push(await markTime(page, 'keys-listed'));
  }
  return { compose: median(compose), keys: median(keys) };
}

const armored = await cachedKeys();
const file = join(mkdtempSync(join(tmpdir(), 'bench-')), `keys-${KEYS}.asc`);
writeFileSync(file, armored);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
const server = await startAppServer({
  host: '127.0.0.1',
  port: Number(process.env.BENCH_PORT ?? 18190),
  dataDir,
  serve: 'dist',
  distDir: resolve('dist'),
  corsOrigins: ['*'],
  seedDemo: true,
  prefillAccount: 'alice@example.test',
  wkdProxy: null,
});
const browser = await launchBenchChromium([]);
try {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('From', { exact: true }).waitFor();

  const empty = await startupTimes(page);

  await page.goto('/#/keys');
  await page.getByLabel('Key file', { exact: true }).setInputFiles(file);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: `Found ${KEYS} keys` }).waitFor({ timeout: 600_000 });
  const inspectMs = Date.now() - t0;
  const t1 = Date.now();
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await page.locator(`[data-key-count="${KEYS}"]`).waitFor({ timeout: 600_000 });
  const storeMs = Date.now() - t1;

  const full = await startupTimes(page);
  const row = (label: string, a: number, b: number) =>
    console.log(
      `${label.padEnd(34)} ${a.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(11)} ${(b - a).toFixed(1).padStart(9)}`,
    );
  console.log(`\nKeystore benchmark — Chromium ${browser.version()}, production build, median of ${RUNS} reloads\n`);
  console.log(
    `${''.padEnd(34)} ${'0 keys ms'.padStart(9)} ${`${KEYS} keys ms`.padStart(11)} ${'added ms'.padStart(9)}`,
  );
  row('start-up to usable composer', empty.compose, full.compose);
  row('Keys view listed (after reload)', empty.keys, full.keys);
  console.log(
    `\nimport ${KEYS} keys: read+check in worker ${(inspectMs / 1000).toFixed(1)} s (${(inspectMs / KEYS).toFixed(2)} ms/key), store ${(storeMs / 1000).toFixed(1)} s, total ${((inspectMs + storeMs) / 1000).toFixed(1)} s`,
  );
  console.log(
    `goal: ≤ 50 ms added to start-up → ${full.compose - empty.compose <= 50 ? 'met' : 'NOT met'} (${(full.compose - empty.compose).toFixed(1)} ms)`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
