/** What the benchmarks share: Debian's Chromium with quiet flags, its memory, and the app server. */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AppServerOptions, startAppServer } from '../server/app-server';

const executablePath = () =>
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const quietArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Debian's Chromium when present (CHROMIUM_PATH for another), else Playwright's own. */
export function launchBenchChromium(extraArgs: string[] = []) {
  const path = executablePath();
  return chromium.launch({ ...(path ? { executablePath: path } : {}), args: [...quietArgs, ...extraArgs] });
}

/**
 * Pages of one browser profile, as the user has it: BENCH_PROFILE=persistent (the default) is a
 * profile on disk, like a user's; BENCH_PROFILE=incognito is Playwright's usual throw-away context,
 * where Chromium keeps all storage, the origin-private file system included, in memory.
 */
export async function launchBenchProfile(options: { baseURL?: string } = {}) {
  const profile = process.env.BENCH_PROFILE === 'incognito' ? 'incognito' : 'persistent';
  if (profile === 'incognito') {
    const browser = await launchBenchChromium();
    return {
      profile,
      version: browser.version(),
      newPage: () => browser.newPage(options),
      close: () => browser.close(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const path = executablePath();
  const context = await chromium.launchPersistentContext(dir, {
    ...(path ? { executablePath: path } : {}),
    args: quietArgs,
    ...options,
  });
  for (const page of context.pages()) await page.close();
  return {
    profile,
    version: context.browser()?.version() ?? 'Chromium',
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The browser process Playwright started as a child of this one. */
export const chromiumPid = () =>
  Number(
    execFileSync('pgrep', ['-P', String(process.pid), '-f', 'chrom'])
      .toString()
      .trim()
      .split('\n')[0],
  );

/** Total RSS (KiB) of every process under Chromium's browser process. */
export function chromiumRssKiB(rootPid: number): number {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='])
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of ps) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return ps.filter(([pid]) => tree.has(pid)).reduce((sum, [, , rss]) => sum + rss, 0);
}

/** The production build and the embedded backend in a throw-away data folder; `close()` removes it. */
export async function startBenchApp(options: Partial<AppServerOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const app = await startAppServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    serve: 'dist',
    distDir: resolve('dist'),
    corsOrigins: [],
    seedDemo: true,
    prefillAccount: 'alice@example.test',
    wkdProxy: null,
    ...options,
  });
  return {
    url: app.url,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
