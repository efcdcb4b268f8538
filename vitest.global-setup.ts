import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Starts the GnuPG-built WKD peer (nginx on 127.0.0.1, HTTPS with a test CA) for the proxy's
 * integration tests. Without gpg, gpg-wks-client, nginx or openssl those tests are skipped with the
 * reason, except under CI=true, where that is a failure.
 */
/** Runs a peer start script; false when the peer was already running (then it is not ours to stop). */
export function startPeer(script: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const run = spawnSync(script, { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  process.stderr.write(run.stderr);
  if (run.status !== 0) throw new Error(`${script} failed (exit ${run.status})`);
  return !/already running/.test(run.stderr);
}

/** Commands missing on this machine, as the Debian packages that hold them. */
const missingPackages = (needs: [string, string][]) =>
  needs
    .filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0)
    .map(([, pkg]) => pkg);

/**
 * The real DNSSEC peer (Knot signing, Unbound validating, nginx serving MTA-STS policies) for the
 * transport integration test; DNS_PEER says whether it runs. Returns its stop function, if ours.
 */
export function startDnsPeer(): (() => void) | undefined {
  const missing = missingPackages([
    ['knotd', 'knot'],
    ['keymgr', 'knot'],
    ['unbound', 'unbound'],
    ['nginx', 'nginx-light'],
    ['openssl', 'openssl'],
  ]);
  if (missing.length) {
    const reason = `DNSSEC peer needs ${[...new Set(missing)].join(', ')} (apt-get install ${[...new Set(missing)].join(' ')})`;
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    process.env.DNS_PEER = `skip:${reason}`;
    return undefined;
  }
  const started = startPeer('scripts/peers/dns-start.sh');
  process.env.DNS_PEER = 'ready';
  return started
    ? () => execFileSync('scripts/peers/dns-stop.sh', { stdio: ['ignore', 'ignore', 'inherit'] })
    : undefined;
}

export default function setup() {
  const stopDns = startDnsPeer();
  const stopWkd = startWkdPeer();
  return () => {
    stopWkd?.();
    stopDns?.();
  };
}

function startWkdPeer(): (() => void) | undefined {
  const missing = [
    ['gpg', 'gnupg'],
    ['nginx', 'nginx-light'],
    ['openssl', 'openssl'],
  ]
    .filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    .map(([, pkg]) => pkg!);
  if (!existsSync('/usr/lib/gnupg/gpg-wks-client')) missing.push('gpg-wks-client');
  if (missing.length) {
    const reason = `WKD peer needs ${missing.join(', ')} (apt-get install ${missing.join(' ')})`;
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    process.env.WKD_PEER = `skip:${reason}`;
    return undefined;
  }
  const started = startPeer('scripts/peers/wkd-start.sh');
  process.env.WKD_PEER = 'ready';
  // Stop only a peer this run started: another test run may be using one it found running.
  return started
    ? () => execFileSync('scripts/peers/wkd-stop.sh', { stdio: ['ignore', 'ignore', 'inherit'] })
    : undefined;
}
