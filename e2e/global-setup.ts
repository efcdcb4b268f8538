import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Starts the real Cyrus JMAP peer (Cyrus + Postfix + nginx CORS front) for cyrus.spec.ts.
 * Where it cannot run (no Debian packages, not root) its tests are skipped with the reason,
 * except under CI=true, where a missing peer fails the run.
 */
export default function globalSetup() {
  const missing = ['/usr/lib/cyrus/bin/httpd', '/usr/lib/cyrus/bin/master', '/usr/sbin/postfix', '/usr/sbin/nginx', '/usr/sbin/saslpasswd2'].filter((f) => !existsSync(f));
  const reason = missing.length
    ? `Cyrus peer not installed (missing ${missing.join(', ')}; see .ci/run for the apt packages)`
    : process.getuid?.() !== 0
      ? 'Cyrus peer needs root (it runs Cyrus and Postfix as their system users)'
      : null;
  if (reason) {
    if (process.env.CI) throw new Error(`CI=true but ${reason}`);
    console.log(`\n[e2e] Skipping the Cyrus integration tests: ${reason}\n`);
    process.env.E2E_CYRUS = `skip:${reason}`;
    return;
  }
  const env = { ...process.env, CYRUS_FRESH: '1' };
  execFileSync('scripts/peers/cyrus-start.sh', { env, stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.E2E_CYRUS = 'ready';
  return () => {
    execFileSync('scripts/peers/cyrus-stop.sh', { env, stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
