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

export default function setup() {
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
    return;
  }
  const started = startPeer('scripts/peers/wkd-start.sh');
  process.env.WKD_PEER = 'ready';
  // Stop only a peer this run started: another test run may be using one it found running.
  return started
    ? () => execFileSync('scripts/peers/wkd-stop.sh', { stdio: ['ignore', 'ignore', 'inherit'] })
    : undefined;
}
