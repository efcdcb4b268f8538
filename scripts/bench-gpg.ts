/**
 * gpg as the native baseline of the benchmarks: `gpg --encrypt --sign --armor --compress-algo none`
 * of a MIME entity, timed from spawn to exit, in a throw-away home holding the given keys.
 *
 * The signing key goes in without its passphrase, as the app's is unlocked before it is timed:
 * gpg-agent caches a passphrase, not the unlocked key, and derives the key from it again for every
 * signature — with the agent's S2K calibrated to about 100 ms, and more on a busy machine, that
 * was a third to a half of gpg's time for 25 MB.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

export type GpgBaseline = {
  /** `gpg (GnuPG) 2.2.40`, for the benchmark's heading. */
  version: string;
  /** The throw-away home; a benchmark may keep its scratch files there. */
  home: string;
  /** Seconds gpg takes to encrypt `file` to the recipients and sign it, armored. */
  encryptSignSeconds(file: string): number;
  /** Stops the agent and removes the home. */
  close(): void;
};

export async function gpgBaseline(keys: {
  /** Armored secret key of the signer, locked with `passphrase`. */
  signer: { secretKey: string; email: string };
  /** Armored public keys (the signer's own is taken from its secret key) and the addresses to encrypt to. */
  recipients: { publicKey: string | null; email: string }[];
  passphrase: string;
}): Promise<GpgBaseline> {
  const home = mkdtempSync(join(tmpdir(), 'bench-gpg-'));
  const args = ['--batch', '--homedir', home, '--trust-model', 'always'];
  const signer = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: keys.signer.secretKey }),
    passphrase: keys.passphrase,
  });
  for (const armored of [signer.armor(), ...keys.recipients.flatMap((r) => r.publicKey ?? [])])
    execFileSync('gpg', [...args, '--import'], { input: armored, stdio: ['pipe', 'ignore', 'ignore'] });
  // gpg-agent is started before any timing: its start-up is not gpg's speed.
  execFileSync('gpg', [...args, '--armor', '--sign', '-u', keys.signer.email, '-o', '-'], {
    input: 'warm-up',
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return {
    version: execFileSync('gpg', ['--version']).toString().split('\n')[0]!,
    home,
    encryptSignSeconds(file) {
      const out = `${file}.asc`;
      const t0 = process.hrtime.bigint();
      const r = spawnSync('gpg', [
        ...args,
        '--armor',
        '--compress-algo',
        'none',
        '--encrypt',
        '--sign',
        ...keys.recipients.flatMap((r) => ['-r', r.email]),
        '-u',
        keys.signer.email,
        '--yes',
        '-o',
        out,
        file,
      ]);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.status !== 0) throw new Error(`gpg failed: ${r.stderr}`);
      rmSync(out);
      return seconds;
    },
    close() {
      spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A MIME entity holding `attachment` (base64 in 76-column lines), about the size the app makes of it. */
export function writeMimeEntity(attachment: string, entity: string): void {
  const base64 = readFileSync(attachment).toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 76) lines.push(base64.slice(at, at + 76));
  writeFileSync(
    entity,
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbench\r\n--b\r\n' +
      'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      lines.join('\r\n') +
      '\r\n--b--\r\n',
  );
}
