import { execFileSync } from 'node:child_process';
import { startDnsPeer, startPeer } from '../vitest.global-setup';
import { existsSync } from 'node:fs';

/**
 * Starts the real Cyrus JMAP peer (Cyrus + Postfix + nginx CORS front) for cyrus.spec.ts.
 * Where it cannot run (no Debian packages, not root) its tests are skipped with the reason,
 * except under CI=true, where a missing peer fails the run.
 */
export default function globalSetup() {
  const stops: (() => void)[] = [startWkdPeer(), startDns()].filter((f): f is () => void => !!f);
  const stopCyrus = startCyrus();
  if (stopCyrus) stops.push(stopCyrus);
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}

/** The GnuPG-built WKD (and VKS-shaped key server) for discovery tests. */
function startWkdPeer(): (() => void) | null {
  const missing = ['/usr/bin/gpg', '/usr/lib/gnupg/gpg-wks-client', '/usr/sbin/nginx', '/usr/bin/openssl'].filter(
    (f) => !existsSync(f),
  );
  if (missing.length) {
    const reason = `WKD peer not installed (missing ${missing.join(', ')})`;
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    console.log(`\n[e2e] Skipping the WKD discovery tests: ${reason}\n`);
    process.env.E2E_WKD = `skip:${reason}`;
    return null;
  }
  const started = startPeer('scripts/peers/wkd-start.sh');
  process.env.E2E_WKD = 'ready';
  // Stop only what this run started: another test run may be using a peer it found running.
  return started ? () => execFileSync('scripts/peers/wkd-stop.sh', { stdio: ['ignore', 'ignore', 'inherit'] }) : null;
}

function startCyrus(): (() => void) | null {
  const missing = [
    '/usr/lib/cyrus/bin/httpd',
    '/usr/lib/cyrus/bin/master',
    '/usr/sbin/postfix',
    '/usr/sbin/nginx',
    '/usr/sbin/saslpasswd2',
  ].filter((f) => !existsSync(f));
  const reason = missing.length
    ? `Cyrus peer not installed (missing ${missing.join(', ')}; see .ci/run for the apt packages)`
    : process.getuid?.() !== 0
      ? 'Cyrus peer needs root (it runs Cyrus and Postfix as their system users)'
      : null;
  if (reason) {
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    console.log(`\n[e2e] Skipping the Cyrus integration tests: ${reason}\n`);
    process.env.E2E_CYRUS = `skip:${reason}`;
    return null;
  }
  const env = { ...process.env, CYRUS_FRESH: '1' };
  const started = startPeer('scripts/peers/cyrus-start.sh', env);
  process.env.E2E_CYRUS = 'ready';
  return started
    ? () => execFileSync('scripts/peers/cyrus-stop.sh', { env, stdio: ['ignore', 'ignore', 'inherit'] })
    : null;
}

/** Real DNSSEC (Knot + Unbound) and the MTA-STS policy server, for the transport status tests. */
function startDns(): (() => void) | null {
  const stop = startDnsPeer();
  process.env.E2E_DNS = process.env.DNS_PEER;
  return stop ?? null;
}
