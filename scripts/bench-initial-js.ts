/**
 * The JavaScript the compose view needs before it is usable (issue 5: ≤ 90 KiB gzip, OpenPGP.js
 * only in the worker). Loads the production build in Chromium, signed in, reloads, and sums the
 * gzip size of every script the page fetched until the composer is ready (workers excluded).
 * Run: npm run bench:initial-js
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startAppServer } from '../server/app-server';

const dataDir = mkdtempSync(join(tmpdir(), 'bench-initial-'));
const server = await startAppServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  serve: 'dist',
  distDir: resolve('dist'),
  corsOrigins: ['*'],
  seedDemo: true,
  prefillAccount: 'alice@example.test',
  wkdProxy: null,
});
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(new URL('/', server.url).href);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('From', { exact: true }).waitFor();
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName('compose-ready').length > 0);
  // Scripts requested before the composer was ready; what loads later (when idle) does not count.
  const scripts = await page.evaluate(() => {
    const ready = performance.getEntriesByName('compose-ready')[0]!.startTime;
    return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
      .filter((r) => r.startTime <= ready && !/worker/.test(r.name))
      .map((r) => new URL(r.name).pathname);
  });
  let total = 0;
  console.log('\nScripts loaded until the composer is ready (production build, gzip):\n');
  for (const path of scripts) {
    const size = gzipSync(readFileSync(resolve(`dist${path}`))).length;
    total += size;
    console.log(`${(size / 1024).toFixed(1).padStart(7)} KiB  ${path}`);
  }
  console.log(`${(total / 1024).toFixed(1).padStart(7)} KiB  total (goal ≤ 90 KiB)`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
