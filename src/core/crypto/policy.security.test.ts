import { config, enums, generateKey, type PacketList, PublicKey, type SignaturePacket, UserIDPacket } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { createCryptoApi } from './api';
import { keysForAddress } from './impl/address-keys';
import { certificationAcceptable, OPENPGP_POLICY } from './impl/openpgp-config';
import { parseKeyData } from './impl/parse-keys';
import { interopAvailability, scratch } from '../../testing/interop';

const tools = interopAvailability();

const now = () => new Date(Date.now() + 60_000);

describe('OpenPGP policy, set explicitly in one place', () => {
  it('each setting is in force', () => {
    createCryptoApi(); // loads the policy as the worker does
    expect(config.allowUnauthenticatedMessages).toBe(false);
    expect(config.enforceGrammar).toBe(true);
    expect(config.minRSABits).toBe(2048);
    expect([...config.rejectMessageHashAlgorithms]).toContain(enums.hash.sha1);
    expect([...config.rejectHashAlgorithms]).toEqual(expect.arrayContaining([enums.hash.md5, enums.hash.ripemd]));
    expect([...config.rejectPublicKeyAlgorithms]).toEqual(
      expect.arrayContaining([enums.publicKey.dsa, enums.publicKey.elgamal]),
    );
    expect(config.maxDecompressedMessageSize).toBe(OPENPGP_POLICY.maxDecompressedMessageSize);
  });

  // OpenPGP.js will not make SHA-1 signatures: gpg does, as old and careless tools did.
  const gpgKeys = (() => {
    if (!tools.run) return null;
    const fpr = (home: ReturnType<typeof scratch>, uid: string) =>
      home
        .gpg(['--with-colons', '--list-keys', uid])
        .split('\n')
        .find((l) => l.startsWith('fpr'))!
        .split(':')[9]!;
    const s = scratch();
    const gpg = (args: string[], input?: string) => s.gpg(['--passphrase', '', ...args], input);
    gpg(['--cert-digest-algo', 'SHA1', '--quick-gen-key', 'New <sha1@example.org>', 'rsa2048', 'default', '1y']);
    gpg([
      '--cert-digest-algo',
      'SHA1',
      '--faked-system-time',
      '20200601T000000',
      '--quick-gen-key',
      'Old <old@example.org>',
      'rsa2048',
      'default',
      'never',
    ]);
    const oldFpr = fpr(s, '=Old <old@example.org>');
    gpg([
      '--cert-digest-algo',
      'SHA1',
      '--faked-system-time',
      '20200601T000100',
      '--quick-add-key',
      oldFpr,
      'rsa2048',
      'encr',
      'never',
    ]);
    gpg(['--cert-digest-algo', 'SHA1', '--quick-add-key', fpr(s, '=New <sha1@example.org>'), 'rsa2048', 'encr', '1y']);
    const keys = {
      recent: gpg(['--armor', '--export', 'sha1@example.org']),
      old: gpg(['--armor', '--export', 'old@example.org']),
    };
    s.cleanup();
    return keys;
  })();

  it.skipIf(!gpgKeys)(
    'a key whose only self-signature for the address is SHA-1 and recent reads invalid, with that reason',
    async () => {
      const { keys } = await keysForAddress(gpgKeys!.recent, 'sha1@example.org', now());
      expect(keys[0]).toMatchObject({ usable: false, problem: expect.stringContaining('SHA-1') });
    },
  );

  it.skipIf(!gpgKeys)('an old SHA-1 self-signature (before 2023-02-01) still counts', async () => {
    const { keys } = await keysForAddress(gpgKeys!.old, 'old@example.org', now());
    expect(keys[0]).toMatchObject({ usable: true });
  });

  it('the "vouched for by the pinned key" path needs a non-SHA-1 certification (gpg 2.2 will not even make a recent one)', () => {
    const certification = (hash: number, created: string) =>
      ({ hashAlgorithm: hash, created: new Date(created) }) as unknown as SignaturePacket;
    expect(certificationAcceptable(certification(enums.hash.sha1, '2024-05-01'))).toBe(false);
    expect(certificationAcceptable(certification(enums.hash.sha1, '2022-05-01'))).toBe(true);
    expect(certificationAcceptable(certification(enums.hash.sha256, '2024-05-01'))).toBe(true);
  });
});

describe('flooding limits apply to discovered keys before any signature is checked', () => {
  it('a key with more user IDs than the limit from WKD or the key server is rejected as flooded', async () => {
    const { publicKey } = await generateKey({ userIDs: [{ email: 'flood@example.org' }], format: 'object' });
    const packets = publicKey.toPacketList();
    for (let i = 0; i < 70; i++) {
      packets.push(UserIDPacket.fromObject({ name: `Flood ${i}`, email: `flood${i}@example.org` }));
    }
    const flooded = new PublicKey(packets as PacketList<never>);
    const { keys, rejected } = await keysForAddress(flooded.write(), 'flood@example.org', now());
    expect(keys).toEqual([]);
    expect(rejected[0]!.reason).toContain('certificate flooding');
  });

  it('armor parsing of 256 KiB of junk ends with a clear error, quickly', async () => {
    const junk = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${'-----BEGIN PGP '.repeat(16 * 1024)}`;
    const started = performance.now();
    await expect(parseKeyData(junk)).rejects.toMatchObject({ code: expect.stringMatching(/^keys\//) });
    expect(performance.now() - started).toBeLessThan(10_000); // quadratic parsing took far longer
  });
});
