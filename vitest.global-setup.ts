import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Starts the GnuPG-built WKD peer (nginx on 127.0.0.1, HTTPS with a test CA) for the proxy's
 * integration tests. Without gpg, gpg-wks-client, nginx or openssl those tests are skipped with the
 * reason, except under CI=true, where that is a failure.
 */
export default function setup() {
  const missing = [['gpg', 'gnupg'], ['nginx', 'nginx-light'], ['openssl', 'openssl']]
    .filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    .map(([, pkg]) => pkg!);
  if (!existsSync('/usr/lib/gnupg/gpg-wks-client')) missing.push('gpg-wks-client');
  if (missing.length) {
    const reason = `WKD peer needs ${missing.join(', ')} (apt-get install ${missing.join(' ')})`;
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    process.env.WKD_PEER = `skip:${reason}`;
    return;
  }
  execFileSync('scripts/peers/wkd-start.sh', { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.WKD_PEER = 'ready';
  return () => execFileSync('scripts/peers/wkd-stop.sh', { stdio: ['ignore', 'ignore', 'inherit'] });
}
