/**
 * Node-only helpers for interop tests with the OpenPGP command-line tools from Debian
 * (gpg, sq, sqop, gosop, rnp). Each call works in a scratch folder; nothing touches ~/.gnupg.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INTEROP_TOOLS = ['gpg', 'gpgconf', 'sq', 'sqop', 'gosop', 'rnp', 'rnpkeys'] as const;

export const missingTools = (): string[] => INTEROP_TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

/** Skip reason for a contributor machine; under CI=true a missing tool is an error instead. */
export function interopAvailability(): { run: boolean; reason: string } {
  const missing = missingTools();
  if (missing.length === 0) return { run: true, reason: '' };
  const reason = `missing OpenPGP tools: ${missing.join(', ')} (apt-get install gnupg sq sqop gosop rnp)`;
  if (process.env.CI) throw new Error(`CI=true but ${reason}`);
  console.log(`[interop] skipped: ${reason}`);
  return { run: false, reason };
}

export type Scratch = { dir: string; gpg: (args: string[], input?: string) => string; cleanup: () => void };

/** A scratch folder with its own GNUPGHOME; cleanup stops its gpg-agent the gpg way. */
export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'interop-'));
  const home = join(dir, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const gpg = (args: string[], input?: string) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    dir,
    gpg,
    cleanup: () => {
      spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ToolKey = { tool: string; userId: string; email: string; publicKey: string; secretKey: string; passphrase: string | null; fingerprint: string };

const fingerprintOf = (s: Scratch, armored: string) => {
  const file = join(s.dir, `fpr-${Date.now()}-${Math.random()}.asc`);
  writeFileSync(file, armored);
  const out = s.gpg(['--with-colons', '--show-keys', file]);
  return out.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
};

/** One fresh key per tool and profile, generated the way each tool does by default. */
export function generateToolKeys(s: Scratch): ToolKey[] {
  const keys: ToolKey[] = [];
  const add = (tool: string, email: string, publicKey: string, secretKey: string, passphrase: string | null) =>
    keys.push({ tool, userId: `${tool} <${email}>`, email, publicKey, secretKey, passphrase, fingerprint: fingerprintOf(s, publicKey) });

  for (const [tool, algo] of [['gpg-ed25519', 'future-default'], ['gpg-rsa3072', 'rsa3072']] as const) {
    const email = `${tool}@example.org`;
    const passphrase = `${tool} passphrase`;
    s.gpg(['--passphrase', passphrase, '--quick-gen-key', `${tool} <${email}>`, algo, 'default', 'never']);
    if (algo === 'rsa3072') {
      const fpr = s.gpg(['--with-colons', '--list-keys', email]).split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
      s.gpg(['--passphrase', passphrase, '--quick-add-key', fpr, 'rsa3072', 'encr', 'never']);
    }
    add(tool, email, s.gpg(['--armor', '--export', email]), s.gpg(['--passphrase', passphrase, '--armor', '--export-secret-keys', email]), passphrase);
  }
  const sqSecret = join(s.dir, 'sq.sec.asc');
  execFileSync('sq', ['key', 'generate', '--userid', 'sq <sq@example.org>', '--export', sqSecret], { stdio: 'pipe' });
  add('sq', 'sq@example.org', execFileSync('sq', ['key', 'extract-cert', sqSecret], { encoding: 'utf8' }), readFileSync(sqSecret, 'utf8'), null);
  for (const tool of ['sqop', 'gosop']) {
    const secret = execFileSync(tool, ['generate-key', `${tool} <${tool}@example.org>`], { encoding: 'utf8' });
    add(tool, `${tool}@example.org`, execFileSync(tool, ['extract-cert'], { input: secret, encoding: 'utf8' }), secret, null);
  }
  const rnpHome = join(s.dir, 'rnp');
  mkdirSync(rnpHome);
  execFileSync('rnpkeys', ['--homedir', rnpHome, '--generate-key', '--userid', 'rnp <rnp@example.org>', '--password', ''], { stdio: 'pipe' });
  add(
    'rnp',
    'rnp@example.org',
    execFileSync('rnpkeys', ['--homedir', rnpHome, '--export-key', 'rnp@example.org'], { encoding: 'utf8' }),
    execFileSync('rnpkeys', ['--homedir', rnpHome, '--export-key', '--secret', 'rnp@example.org'], { encoding: 'utf8' }),
    null,
  );
  return keys;
}
