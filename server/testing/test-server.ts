import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppServerOptions, startAppServer, type RunningAppServer } from '../app-server';
import type { WkdProxyConfig } from '../lookup/wkd-proxy';

/** A lookup proxy for tests: nothing resolves unless mapped, so no test query leaves the machine. */
export const offlineProxy = (overrides: Partial<WkdProxyConfig> = {}): WkdProxyConfig => ({
  timeoutMs: 2000,
  maxBytes: 256 * 1024,
  allowPrivate: true,
  hostMap: new Map(),
  extraCaFile: null,
  onlyMapped: true,
  ...overrides,
});

/**
 * The companion on a random loopback port with a fresh data folder and the demo accounts, JMAP only
 * unless `serve` says otherwise; `stop()` closes it and removes the folder. For tests.
 */
export async function startTestServer(
  name: string,
  overrides: Partial<AppServerOptions> = {},
): Promise<{ server: RunningAppServer; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const server = await startAppServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    serve: 'none',
    distDir: '',
    corsOrigins: [],
    seedDemo: true,
    prefillAccount: null,
    wkdProxy: null,
    ...overrides,
  });
  return {
    server,
    dataDir,
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
