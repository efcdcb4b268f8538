/** What the benchmarks share: Debian's Chromium with quiet flags, its memory, and the app server. */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

/** Chromium's browser process and all its descendants, from /proc. */
function processTree(rootPid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // "pid (comm) state ppid …": the command name may hold spaces and parentheses.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

const PAGE_KIB = Number(execFileSync('getconf', ['PAGESIZE']).toString()) / 1024;

function rssKiB(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * PAGE_KIB;
    } catch {
      // Gone: it holds no memory now.
    }
  }
  return total;
}

/** Total RSS (KiB) of every process under Chromium's browser process. */
export const chromiumRssKiB = (rootPid: number): number => rssKiB(processTree(rootPid));

/**
 * The peak of chromiumRssKiB while a measurement runs, sampled every `everyMs`. Only the known
 * processes' own files are read per sample, the process list once a second: a `ps` per sample
 * cost a third of a core, taken from the app under test while gpg ran without it.
 */
export function chromiumPeakSampler(rootPid: number, everyMs = 50): { stop(): number } {
  let pids = processTree(rootPid);
  let peak = rssKiB(pids);
  const sample = setInterval(() => (peak = Math.max(peak, rssKiB(pids))), everyMs);
  const rescan = setInterval(() => (pids = processTree(rootPid)), 1000);
  return {
    stop() {
      clearInterval(sample);
      clearInterval(rescan);
      return Math.max(peak, chromiumRssKiB(rootPid));
    },
  };
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
