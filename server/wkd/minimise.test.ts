import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/core/crypto/impl/publishable-key';
import { wkdLocation } from '../../src/core/discovery/wkd-url';
import { interopAvailability, type Scratch, scratch } from '../../src/testing/interop';

const tools = interopAvailability();
const WKS = '/usr/lib/gnupg/gpg-wks-client';
let s: Scratch;
// Keys are made during the tests: judge them as of a moment after that.
const now = new Date(Date.now() + 3600_000);

/** `gpg --list-packets` of binary key bytes: the packet kinds in order, and who issued each signature. */
function packets(bytes: Uint8Array): { kinds: string[]; issuers: string[] } {
  const file = join(s.dir, `list-${Math.random()}.gpg`);
  writeFileSync(file, bytes);
  const out = s.gpg(['--list-packets', file]);
  const kinds = [...out.matchAll(/^:([A-Za-z ]+) packet:/gm)].map((m) => m[1]!);
  const issuers = [...out.matchAll(/^:signature packet: algo \d+, keyid ([0-9A-F]+)/gm)].map((m) => m[1]!);
  return { kinds, issuers };
}

const fingerprintOf = (home: Scratch, uid: string) =>
  home
    .gpg(['--with-colons', '--list-keys', uid])
    .split('\n')
    .find((l) => l.startsWith('fpr'))!
    .split(':')[9]!;

describe.skipIf(!tools.run)(
  'the published key holds only the asked-for user ID (keys made by gpg, sq and OpenPGP.js)',
  () => {
    let gpgKey: openpgp.Key;
    let gpgKeyId: string;
    beforeAll(() => {
      s = scratch();
      const gpg = (args: string[]) => s.gpg(['--passphrase', '', ...args]);
      gpg(['--quick-gen-key', 'Alice <alice@example.test>', 'future-default', 'default', '2y']);
      const fpr = fingerprintOf(s, '=Alice <alice@example.test>');
      gpg(['--quick-add-uid', fpr, 'Alice Work <alice@work.example>']);
      gpg(['--quick-add-uid', fpr, 'Old Alice <alice.old@example.test>']);
      gpg(['--quick-revoke-uid', fpr, 'Old Alice <alice.old@example.test>']);
      gpg(['--quick-set-primary-uid', fpr, 'Alice <alice@example.test>']);
      // A third-party certification by Carol on Alice's user ID.
      gpg(['--quick-gen-key', 'Carol <carol@example.test>', 'future-default', 'default', '2y']);
      gpg(['--default-key', '=Carol <carol@example.test>', '--quick-sign-key', fpr, 'Alice <alice@example.test>']);
      gpgKeyId = fpr.slice(-16);
      const armored = s.gpg(['--armor', '--export', fpr]);
      return openpgp.readKey({ armoredKey: armored }).then((k) => void (gpgKey = k));
    });
    afterAll(() => s?.cleanup());

    it('a gpg key with three user IDs (one revoked) and a third-party certification: one user ID, only self-signatures', async () => {
      const before = packets(gpgKey.write());
      expect(before.kinds.filter((k) => k === 'user ID')).toHaveLength(3);
      expect(before.issuers.some((i) => i !== gpgKeyId)).toBe(true); // Carol's certification is there
      const minimal = (await publishableKeyFor(gpgKey, 'alice@example.test', now))!;
      expect(minimal.getFingerprint()).toBe(gpgKey.getFingerprint());
      const after = packets(minimal.write());
      expect(after.kinds.filter((k) => k === 'user ID')).toHaveLength(1);
      expect(new Set(after.issuers)).toEqual(new Set([gpgKeyId]));
      expect(minimal.users.map((u) => u.userID?.email)).toEqual(['alice@example.test']);
      expect(await minimal.getEncryptionKey(undefined, now)).toBeTruthy();
      // gpg reads it and sees the one user ID.
      const file = join(s.dir, 'minimal.gpg');
      writeFileSync(file, minimal.write());
      expect(
        s
          .gpg(['--with-colons', '--show-keys', file])
          .split('\n')
          .filter((l) => l.startsWith('uid')),
      ).toHaveLength(1);
    });

    it('another address of the same key gets a file with only its own user ID; a revoked user ID gets none', async () => {
      const work = (await publishableKeyFor(gpgKey, 'ALICE@work.example', now))!;
      expect(work.users.map((u) => u.userID?.email)).toEqual(['alice@work.example']);
      const old = gpgKey.users.find((u) => u.userID?.email === 'alice.old@example.test')!;
      await expect(old.verify(now)).rejects.toThrow(); // gpg revoked it
      expect(await publishableKeyFor(gpgKey, 'alice.old@example.test', now)).toBeNull();
      expect(await publishableKeyFor(gpgKey, 'nobody@example.test', now)).toBeNull();
    });

    it('a key made by sq', async () => {
      const file = join(s.dir, 'bo.key.pgp');
      const uids = ['--userid', 'Bo <bo@example.test>', '--userid', 'Bo <bo@other.example>'];
      execFileSync('sq', ['key', 'generate', ...uids, '--export', file], { stdio: 'ignore' });
      const armored = execFileSync('sq', ['armor', file], { encoding: 'utf8' });
      const key = (await openpgp.readPrivateKey({ armoredKey: armored })).toPublic();
      const minimal = (await publishableKeyFor(key, 'bo@example.test', now))!;
      expect(minimal.getFingerprint()).toBe(key.getFingerprint());
      const listed = packets(minimal.write());
      expect(listed.kinds.filter((k) => k === 'user ID')).toHaveLength(1);
      expect(minimal.users.map((u) => u.userID?.email)).toEqual(['bo@example.test']);
    });

    it.each([
      ['v4', { type: 'ecc', curve: 'curve25519Legacy', config: { v6Keys: false } }],
      ['v6', { type: 'curve25519', config: { v6Keys: true } }],
    ] as const)('a %s key made by OpenPGP.js keeps its direct-key signatures and stays usable', async (_, options) => {
      const { publicKey } = await openpgp.generateKey({
        ...options,
        userIDs: [{ email: 'dee@example.test' }, { name: 'Dee', email: 'dee@elsewhere.example' }],
        format: 'object',
      } as Parameters<typeof openpgp.generateKey>[0] & { format: 'object' });
      const minimal = (await publishableKeyFor(publicKey, 'dee@example.test', now))!;
      expect(minimal.getFingerprint()).toBe(publicKey.getFingerprint());
      expect(minimal.users.map((u) => u.userID?.email)).toEqual(['dee@example.test']);
      const reread = await openpgp.readKey({ binaryKey: minimal.write() });
      expect(await reread.getEncryptionKey(undefined, now)).toBeTruthy();
      const list = reread.toPacketList();
      expect(list.filter((p) => p instanceof openpgp.UserIDPacket)).toHaveLength(1);
    });

    it('the WKD hash and URL agree with gpg-wks-client', async () => {
      for (const address of ['alice@example.test', 'Joe.Doe@Example.test', 'dee@elsewhere.example']) {
        const loc = await wkdLocation(address);
        const hash = execFileSync(WKS, ['--print-wkd-hash', address], { encoding: 'utf8' }).split(' ')[0];
        const url = execFileSync(WKS, ['--print-wkd-url', address], { encoding: 'utf8' }).trim();
        expect(loc.hash).toBe(hash);
        // gpg-wks-client lowercases the informational l= parameter; the hash and path are what count.
        expect(loc.advanced.split('?')[0]).toBe(url.split('?')[0]);
      }
    });
  },
);
