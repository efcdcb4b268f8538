/**
 * Node-only helpers for interop tests with the OpenPGP command-line tools from Debian
 * (gpg, sq, sqop, gosop, rnp). Each call works in a scratch folder; nothing touches ~/.gnupg.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INTEROP_TOOLS = ['gpg', 'gpgconf', 'sq', 'sqop', 'gosop', 'rnp', 'rnpkeys'] as const;

export const missingTools = (): string[] =>
  INTEROP_TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

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
    execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', ...args], {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  return {
    dir,
    gpg,
    cleanup: () => {
      spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ToolKey = {
  tool: string;
  userId: string;
  email: string;
  publicKey: string;
  secretKey: string;
  passphrase: string | null;
  fingerprint: string;
};

const fingerprintOf = (s: Scratch, armored: string) => {
  const file = join(s.dir, `fpr-${Date.now()}-${Math.random()}.asc`);
  writeFileSync(file, armored);
  const out = s.gpg(['--with-colons', '--show-keys', file]);
  return out
    .split('\n')
    .find((l) => l.startsWith('fpr:'))!
    .split(':')[9]!;
};

/** One fresh key per tool and profile, generated the way each tool does by default. */
export function generateToolKeys(s: Scratch): ToolKey[] {
  const keys: ToolKey[] = [];
  const add = (tool: string, email: string, publicKey: string, secretKey: string, passphrase: string | null) =>
    keys.push({
      tool,
      userId: `${tool} <${email}>`,
      email,
      publicKey,
      secretKey,
      passphrase,
      fingerprint: fingerprintOf(s, publicKey),
    });

  for (const [tool, algo] of [
    ['gpg-ed25519', 'future-default'],
    ['gpg-rsa3072', 'rsa3072'],
  ] as const) {
    const email = `${tool}@example.org`;
    const passphrase = `${tool} passphrase`;
    s.gpg(['--passphrase', passphrase, '--quick-gen-key', `${tool} <${email}>`, algo, 'default', 'never']);
    if (algo === 'rsa3072') {
      const fpr = s
        .gpg(['--with-colons', '--list-keys', email])
        .split('\n')
        .find((l) => l.startsWith('fpr:'))!
        .split(':')[9]!;
      s.gpg(['--passphrase', passphrase, '--quick-add-key', fpr, 'rsa3072', 'encr', 'never']);
    }
    add(
      tool,
      email,
      s.gpg(['--armor', '--export', email]),
      s.gpg(['--passphrase', passphrase, '--armor', '--export-secret-keys', email]),
      passphrase,
    );
  }
  const sqSecret = join(s.dir, 'sq.sec.asc');
  execFileSync('sq', ['key', 'generate', '--userid', 'sq <sq@example.org>', '--export', sqSecret], { stdio: 'pipe' });
  add(
    'sq',
    'sq@example.org',
    execFileSync('sq', ['key', 'extract-cert', sqSecret], { encoding: 'utf8' }),
    readFileSync(sqSecret, 'utf8'),
    null,
  );
  for (const tool of ['sqop', 'gosop']) {
    const secret = execFileSync(tool, ['generate-key', `${tool} <${tool}@example.org>`], { encoding: 'utf8' });
    add(
      tool,
      `${tool}@example.org`,
      execFileSync(tool, ['extract-cert'], { input: secret, encoding: 'utf8' }),
      secret,
      null,
    );
  }
  const rnpHome = join(s.dir, 'rnp');
  mkdirSync(rnpHome);
  execFileSync(
    'rnpkeys',
    ['--homedir', rnpHome, '--generate-key', '--userid', 'rnp <rnp@example.org>', '--password', ''],
    { stdio: 'pipe' },
  );
  add(
    'rnp',
    'rnp@example.org',
    execFileSync('rnpkeys', ['--homedir', rnpHome, '--export-key', 'rnp@example.org'], { encoding: 'utf8' }),
    execFileSync('rnpkeys', ['--homedir', rnpHome, '--export-key', '--secret', 'rnp@example.org'], {
      encoding: 'utf8',
    }),
    null,
  );
  return keys;
}

type Run = { status: number | null; stdout: string; stderr: string };
const run = (cmd: string, args: string[], stdinFile?: string): Run => {
  // Large outputs (a 100 MB message in bench:encrypt) must not hit spawnSync's 1 MiB default.
  const r = spawnSync(cmd, args, {
    input: stdinFile ? readFileSync(stdinFile) : undefined,
    encoding: 'buffer',
    maxBuffer: 1 << 30,
  });
  return { status: r.status, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
};

/**
 * Decrypt `messageFile` (an armored OpenPGP message) with each implementation and check the
 * signature by `signer`. Returns tool → plaintext, or "FAILED …" with the tool's words.
 */
export function decryptWithAll(
  s: Scratch,
  message: { file: string; recipientSecret: string; signerPublic: string; signerFingerprint: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  const home = join(s.dir, `gpg-dec-${Math.random()}`);
  mkdirSync(home, { mode: 0o700 });
  run('gpg', ['--homedir', home, '--batch', '--quiet', '--import', message.recipientSecret, message.signerPublic]);
  const status = join(s.dir, `gpg-${Math.random()}.status`);
  // gpg exits 2 when it cannot check a signature even though decryption worked: judge by status lines.
  const g = run('gpg', [
    '--homedir',
    home,
    '--batch',
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--status-file',
    status,
    '--decrypt',
    message.file,
  ]);
  const st = readFileSync(status, 'utf8');
  out.gpg =
    st.includes('DECRYPTION_OKAY') && st.includes(`VALIDSIG ${message.signerFingerprint}`)
      ? g.stdout
      : `FAILED ${g.stderr}`;
  spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
  const sqOut = join(s.dir, `sq-${Math.random()}.out`);
  const q = run('sq', [
    'decrypt',
    '--recipient-key',
    message.recipientSecret,
    '--signer-cert',
    message.signerPublic,
    '-o',
    sqOut,
    message.file,
  ]);
  out.sq = q.status === 0 ? readFileSync(sqOut, 'utf8') : `FAILED ${q.stderr}`;
  for (const [tool, flag] of [
    ['sqop', '--verifications-out'],
    ['gosop', '--verify-out'],
  ] as const) {
    const ver = join(s.dir, `${tool}-${Math.random()}.ver`); // sqop refuses to overwrite a file
    const r = run(
      tool,
      ['decrypt', '--verify-with', message.signerPublic, flag, ver, message.recipientSecret],
      message.file,
    );
    const verifications = r.status === 0 ? readFileSync(ver, 'utf8').trim() : '';
    out[tool] = verifications ? r.stdout : `FAILED ${r.stderr} (no verification)`;
  }
  const rnpHome = join(s.dir, `rnp-${Math.random()}`);
  mkdirSync(rnpHome);
  run('rnpkeys', ['--homedir', rnpHome, '--import', message.recipientSecret]);
  run('rnpkeys', ['--homedir', rnpHome, '--import', message.signerPublic]);
  const rnpOut = join(s.dir, `rnp-${Math.random()}.out`);
  const n = run('rnp', [
    '--homedir',
    rnpHome,
    '--decrypt',
    message.file,
    '--output',
    rnpOut,
    '--password',
    '',
    '--overwrite',
  ]);
  out.rnp = n.status === 0 && /Good signature/i.test(n.stderr) ? readFileSync(rnpOut, 'utf8') : `FAILED ${n.stderr}`;
  return out;
}

/** Verify a detached signature over `dataFile` (signature at `${dataFile}.asc`) with each implementation. */
export function verifyWithAll(
  s: Scratch,
  signed: { dataFile: string; signerPublic: string; signerFingerprint: string },
): Record<string, boolean> {
  const sig = `${signed.dataFile}.asc`;
  const home = join(s.dir, `gpg-ver-${Math.random()}`);
  mkdirSync(home, { mode: 0o700 });
  run('gpg', ['--homedir', home, '--batch', '--quiet', '--import', signed.signerPublic]);
  const status = join(s.dir, `verify-${Math.random()}.status`);
  run('gpg', ['--homedir', home, '--batch', '--status-file', status, '--verify', sig, signed.dataFile]);
  spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
  const rnpHome = join(s.dir, `rnp-ver-${Math.random()}`);
  mkdirSync(rnpHome);
  run('rnpkeys', ['--homedir', rnpHome, '--import', signed.signerPublic]);
  return {
    gpg: readFileSync(status, 'utf8').includes(`VALIDSIG ${signed.signerFingerprint}`),
    sq: run('sq', ['verify', '--detached', sig, '--signer-cert', signed.signerPublic, signed.dataFile]).status === 0,
    sqop: run('sqop', ['verify', sig, signed.signerPublic], signed.dataFile).status === 0,
    gosop: run('gosop', ['verify', sig, signed.signerPublic], signed.dataFile).status === 0,
    // rnp finds the data next to the signature (same name without .asc).
    rnp: /Good signature/i.test(run('rnp', ['--homedir', rnpHome, '--verify', sig]).stderr),
  };
}

/**
 * Encrypt `payloadFile` to `recipient` and sign it with each tool's own key (from
 * generateToolKeys in the same scratch folder): tool → armored message.
 */
export function encryptWithAll(
  s: Scratch,
  keys: ToolKey[],
  recipient: { publicFile: string; email: string },
  payloadFile: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  s.gpg(['--import', recipient.publicFile]);
  for (const key of keys) {
    const secretFile = join(s.dir, `${key.tool}-enc.sec.asc`);
    writeFileSync(secretFile, key.secretKey);
    if (key.tool.startsWith('gpg')) {
      out[key.tool] = s.gpg([
        '--trust-model',
        'always',
        '--passphrase',
        key.passphrase ?? '',
        '--local-user',
        key.email,
        '--recipient',
        recipient.email,
        '--armor',
        '--sign',
        '--encrypt',
        '--output',
        '-',
        payloadFile,
      ]);
    } else if (key.tool === 'sq') {
      out.sq = execFileSync(
        'sq',
        ['encrypt', '--recipient-cert', recipient.publicFile, '--signer-key', secretFile, payloadFile],
        {
          encoding: 'utf8',
        },
      );
    } else if (key.tool === 'sqop' || key.tool === 'gosop') {
      out[key.tool] = execFileSync(key.tool, ['encrypt', `--sign-with=${secretFile}`, recipient.publicFile], {
        input: readFileSync(payloadFile),
        encoding: 'utf8',
      });
    } else if (key.tool === 'rnp') {
      const rnpHome = join(s.dir, 'rnp');
      run('rnpkeys', ['--homedir', rnpHome, '--import', recipient.publicFile]);
      const file = join(s.dir, `rnp-enc-${Math.random()}.asc`);
      const r = run('rnp', [
        '--homedir',
        rnpHome,
        '--encrypt',
        '--sign',
        '-r',
        recipient.email,
        '-u',
        key.email,
        '--armor',
        '--password',
        '',
        payloadFile,
        '--output',
        file,
        '--overwrite',
      ]);
      if (r.status !== 0) throw new Error(`rnp could not encrypt: ${r.stderr}`);
      out.rnp = readFileSync(file, 'utf8');
    }
  }
  return out;
}
