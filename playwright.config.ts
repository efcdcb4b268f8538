import { defineConfig } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Chromium where present (no browser download possible there); Playwright's own elsewhere. */
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const PORT = Number(process.env.E2E_PORT ?? 18180);
const WKD_PORT = Number(process.env.WKD_HTTPS_PORT ?? 28443);
const PEERS_DIR = process.env.PEERS_STATE_DIR ?? '/tmp/pgp-composer-peers';
const spkiFile = `${PEERS_DIR}/wkd/tls/server.spki`;
// The WKD peer's test certificate; the peer is started by global setup, before browsers launch.
const wkdSpki = existsSync(spkiFile) ? readFileSync(spkiFile, 'utf8').trim() : '';
const PEER_HOSTS = ['openpgpkey.wkd.test', 'wkd.test', 'keys.wkd.test', 'direct.test'];
/**
 * Tests reach 127.0.0.1 only: the peer's host names map to it, every other name does not exist,
 * so nothing a test types (bob@example.test, keys.openpgp.org) becomes traffic off this machine.
 */
const resolverRules = [
  ...PEER_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${WKD_PORT}`),
  'MAP * ~NOTFOUND',
  'EXCLUDE 127.0.0.1',
  'EXCLUDE localhost',
].join(', ');
// Workers inherit the environment, so every process sees the same fresh data folder.
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'pgp-composer-e2e-'));

export default defineConfig({
  testDir: 'e2e',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    trace: 'on-first-retry',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=${resolverRules}`,
        ...(wkdSpki ? [`--ignore-certificate-errors-spki-list=${wkdSpki}`] : []),
      ],
    },
  },
  // The 25 MB test measures the page while it works hard: it runs alone, after the others.
  projects: [
    { name: 'app', testIgnore: /responsiveness\.spec\.ts/ },
    { name: 'heavy', testMatch: /responsiveness\.spec\.ts/, dependencies: ['app'] },
  ],
  webServer: {
    command: 'npx tsx server/main.ts',
    url: `http://127.0.0.1:${PORT}/api/companion`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      SERVE: 'dist',
      // The WKD proxy's test settings: the peer's names map to loopback, nothing else resolves.
      WKD_PROXY_ALLOW_PRIVATE: '1',
      WKD_PROXY_ONLY_MAPPED: '1',
      WKD_PROXY_HOST_MAP: [
        ...PEER_HOSTS.map((h) => `${h}=127.0.0.1:${WKD_PORT}`),
        'openpgpkey.direct.test=NXDOMAIN',
      ].join(','),
      WKD_PROXY_CA_FILE: `${PEERS_DIR}/wkd/tls/ca.crt`,
      // Transport status: the DNSSEC peer's validating resolver on loopback (never a remote one),
      // its MTA-STS policy server and test CA (scripts/peers/dns-start.sh).
      TRANSPORT_RESOLVER: `127.0.0.1:${process.env.DNS_RESOLVER_PORT ?? 5354}`,
      TRANSPORT_HTTPS_PORT: String(process.env.DNS_POLICY_PORT ?? 28543),
      TRANSPORT_CA_FILE: `${PEERS_DIR}/dns/tls/ca.crt`,
      TRANSPORT_ALLOW_PRIVATE: '1',
      // Publishing is tested against a companion of its own (publish.spec.ts): keys bound by the
      // other tests are not published here, so their recipients do not turn encryptable mid-run.
      WKD_DOMAINS: 'publishing-off.invalid',
    },
  },
});
