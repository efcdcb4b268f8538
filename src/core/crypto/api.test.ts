import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { createCryptoApi } from './api';
import { crc24 } from './impl/armor';

const api = createCryptoApi();
const PASS = 'correct horse battery';

type ArmoredPair = { publicKey: string; privateKey: string; revocationCertificate: string };

/** A key made directly with OpenPGP.js, for inputs our API would not produce itself. */
async function rawKey(options: Record<string, unknown> = {}): Promise<ArmoredPair> {
  const generate = openpgp.generateKey as unknown as (o: Record<string, unknown>) => Promise<ArmoredPair>;
  return generate({ userIDs: [{ name: 'Test', email: 'test@example.org' }], format: 'armored', ...options });
}

describe('generateKey', () => {
  it('makes a GnuPG-readable v4 Curve25519 key, passphrase-protected, with a revocation certificate', async () => {
    const g = await api.generateKey({
      name: 'Alice',
      email: 'alice.alias@example.test',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 3 * 365 * 86400,
    });
    expect(g.summary).toMatchObject({
      version: 4,
      kind: 'secret',
      status: 'valid',
      canEncrypt: true,
      canSign: true,
      primaryUserId: 'Alice <alice.alias@example.test>',
      seipdV2: false,
    });
    expect(g.summary.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(g.summary.algorithm).toMatch(/EdDSA \(legacy\)/);
    expect(g.summary.subkeys[0]).toMatchObject({ capabilities: ['encrypt'], algorithm: expect.stringMatching(/ECDH/) });
    expect(new Date(g.summary.expires!).getTime()).toBeGreaterThan(Date.now() + 2.9 * 365 * 86400_000);
    expect(g.revocationCertificate).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    const secret = await openpgp.readPrivateKey({ armoredKey: g.armoredSecret });
    expect(secret.isDecrypted()).toBe(false);
    expect(g.armoredPublic).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it('makes RFC 9580 v6 keys on request, which advertise SEIPDv2', async () => {
    const g = await api.generateKey({
      name: '',
      email: 'v6@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-v6',
      expiresInSeconds: 0,
    });
    expect(g.summary).toMatchObject({
      version: 6,
      seipdV2: true,
      expires: null,
      status: 'valid',
      capabilities: ['certify', 'sign'],
    });
    expect(g.summary.fingerprint).toMatch(/^[0-9A-F]{64}$/);
  });

  it('refuses short passphrases and missing addresses', async () => {
    await expect(
      api.generateKey({
        name: 'x',
        email: 'x@example.org',
        passphrase: 'short',
        algorithm: 'curve25519-legacy',
        expiresInSeconds: 0,
      }),
    ).rejects.toMatchObject({ code: 'crypto/weak-passphrase' });
    await expect(
      api.generateKey({
        name: 'x',
        email: 'nope',
        passphrase: PASS,
        algorithm: 'curve25519-legacy',
        expiresInSeconds: 0,
      }),
    ).rejects.toMatchObject({ code: 'keys/invalid-input' });
  });
});

describe('inspectKeys', () => {
  it('reads several armored blocks, public and secret, and binary data', async () => {
    const a = await rawKey({ passphrase: PASS });
    const b = await rawKey({ userIDs: [{ email: 'b@example.org' }] });
    const found = await api.inspectKeys(`${a.publicKey}\n\nsome text\n${b.privateKey}`);
    expect(found.map((k) => [k.summary.kind, k.refusal])).toEqual([
      ['public', null],
      ['secret', null],
    ]);
    expect(found[1]!.secretProtected).toBe(false);
    const binary = (await openpgp.readKey({ armoredKey: a.publicKey })).write();
    const both = new Uint8Array([...binary, ...(await openpgp.readKey({ armoredKey: b.publicKey })).write()]);
    expect(await api.inspectKeys(both)).toHaveLength(2);
    expect((await api.inspectKeys(a.privateKey))[0]!.secretProtected).toBe(true);
  });

  it('refuses damaged armor, a wrong checksum, non-keys and mismatched armor types with specific codes', async () => {
    const { publicKey, privateKey } = await rawKey();
    const lines = publicKey.trim().split('\n');
    const checksumAt = lines.findIndex((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
    const withChecksum =
      checksumAt > 0
        ? lines
        : (() => {
            const body = lines.slice(2, -1).join('');
            const crc = crc24(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)));
            return [
              ...lines.slice(0, -1),
              `=${btoa(String.fromCharCode(crc >> 16, (crc >> 8) & 255, crc & 255))}`,
              lines.at(-1)!,
            ];
          })();
    expect(await api.inspectKeys(withChecksum.join('\n'))).toHaveLength(1); // a correct checksum passes
    const at = withChecksum.findIndex((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
    const badChecksum = withChecksum.map((l, i) => (i === at ? (l === '=AAAA' ? '=BBBB' : '=AAAA') : l)).join('\n');
    await expect(api.inspectKeys(badChecksum)).rejects.toMatchObject({ code: 'keys/bad-checksum' });
    await expect(api.inspectKeys(publicKey.slice(0, publicKey.length / 2))).rejects.toMatchObject({
      code: 'keys/bad-armor',
    });
    await expect(api.inspectKeys(publicKey.replace(/\n([A-Za-z0-9+/]{20})/, '\n$1!!'))).rejects.toMatchObject({
      code: 'keys/bad-armor',
    });
    await expect(api.inspectKeys('hello, this is not a key')).rejects.toMatchObject({ code: 'keys/not-openpgp' });
    await expect(api.inspectKeys(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'keys/not-openpgp' });
    await expect(api.inspectKeys('   ')).rejects.toMatchObject({ code: 'keys/empty' });
    const message = await openpgp.encrypt({ message: await openpgp.createMessage({ text: 'x' }), passwords: ['p'] });
    await expect(api.inspectKeys(message as string)).rejects.toMatchObject({ code: 'keys/not-a-key' });
    const secretInPublicArmor = privateKey.replace(/PRIVATE KEY BLOCK/g, 'PUBLIC KEY BLOCK');
    await expect(api.inspectKeys(secretInPublicArmor)).rejects.toMatchObject({ code: 'keys/armor-mismatch' });
    const publicInPrivateArmor = publicKey.replace(/PUBLIC KEY BLOCK/g, 'PRIVATE KEY BLOCK');
    await expect(api.inspectKeys(publicInPrivateArmor)).rejects.toMatchObject({ code: 'keys/armor-mismatch' });
  });

  it('refuses weak and flooded keys but keeps expired and revoked ones, marked', async () => {
    const weak = await rawKey({ type: 'rsa', rsaBits: 1024, config: { minRSABits: 1024 } });
    expect((await api.inspectKeys(weak.publicKey))[0]!.refusal).toMatch(/RSA 1024 bits is too weak/);
    const many = await rawKey({ userIDs: Array.from({ length: 70 }, (_, i) => ({ email: `u${i}@example.org` })) });
    expect((await api.inspectKeys(many.publicKey))[0]!.refusal).toMatch(/70 user IDs/);
    const expired = await rawKey({ keyExpirationTime: 60, date: new Date(Date.now() - 3600_000) });
    expect((await api.inspectKeys(expired.publicKey))[0]).toMatchObject({
      refusal: null,
      summary: { status: 'expired', canEncrypt: false },
    });
    const toRevoke = await rawKey();
    const revoked = await openpgp.revokeKey({
      key: await openpgp.readPrivateKey({ armoredKey: toRevoke.privateKey }),
      format: 'armored',
    });
    expect((await api.inspectKeys(revoked.publicKey))[0]).toMatchObject({
      refusal: null,
      summary: { status: 'revoked' },
    });
  });
});

describe('warmUpKeyChecks', () => {
  it('runs once per worker and leaves nothing behind', async () => {
    const fresh = createCryptoApi();
    const first = fresh.warmUpKeyChecks();
    expect(fresh.warmUpKeyChecks()).toBe(first);
    await first;
    expect(await fresh.unlockedKeys()).toEqual([]);
  });
});

describe('passphrases, unlocking and user IDs', () => {
  it('protects an unprotected secret key', async () => {
    const { privateKey } = await rawKey();
    const armored = await api.protectKey(privateKey, PASS);
    expect((await api.inspectKeys(armored))[0]!.secretProtected).toBe(true);
    await expect(api.protectKey(privateKey, 'short')).rejects.toMatchObject({ code: 'crypto/weak-passphrase' });
  });

  it('unlocks with the right passphrase only, and locks again after the time', async () => {
    const g = await api.generateKey({
      name: 'U',
      email: 'u@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    await expect(api.unlockKey(g.armoredSecret, 'wrong passphrase', 1000)).rejects.toMatchObject({
      code: 'crypto/bad-passphrase',
    });
    await api.unlockKey(g.armoredSecret, PASS, 80);
    expect(await api.unlockedKeys()).toContain(g.summary.fingerprint);
    await new Promise((ok) => setTimeout(ok, 150));
    expect(await api.unlockedKeys()).not.toContain(g.summary.fingerprint);
    await api.unlockKey(g.armoredSecret, PASS, 60_000);
    await api.lockAll();
    expect(await api.unlockedKeys()).toEqual([]);
  });

  it('adds a user ID for an alias with the unlocked key; the stored secret stays encrypted', async () => {
    const g = await api.generateKey({
      name: 'Alice',
      email: 'alice@example.test',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 86400 * 400,
    });
    await expect(
      api.addUserId(g.summary.fingerprint, { name: 'Alice', email: 'alice.alias@example.test' }, g.armoredSecret),
    ).rejects.toMatchObject({ code: 'crypto/key-locked' });
    await api.unlockKey(g.armoredSecret, PASS, 60_000);
    const updated = await api.addUserId(
      g.summary.fingerprint,
      { name: 'Alice', email: 'alice.alias@example.test' },
      g.armoredSecret,
    );
    expect(updated.summary.userIds.map((u) => [u.email, u.status, u.primary])).toEqual([
      ['alice@example.test', 'valid', true],
      ['alice.alias@example.test', 'valid', false],
    ]);
    expect(updated.summary.fingerprint).toBe(g.summary.fingerprint);
    expect(updated.summary.expires).toBe(g.summary.expires);
    expect((await openpgp.readPrivateKey({ armoredKey: updated.armoredSecret })).isDecrypted()).toBe(false);
    await api.lockAll();
  });

  it('merges a newer copy: new user IDs and revocations arrive, nothing is duplicated', async () => {
    const g = await api.generateKey({
      name: 'M',
      email: 'm@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    await api.unlockKey(g.armoredSecret, PASS, 60_000);
    const newer = await api.addUserId(g.summary.fingerprint, { name: 'M', email: 'm2@example.org' }, g.armoredSecret);
    const merged = await api.mergeKeys(
      { armoredPublic: g.armoredPublic, armoredSecret: null },
      { armoredPublic: newer.armoredPublic, armoredSecret: null },
    );
    expect(merged.summary.userIds.map((u) => u.email)).toEqual(['m@example.org', 'm2@example.org']);
    const again = await api.mergeKeys(
      { armoredPublic: merged.armoredPublic, armoredSecret: null },
      { armoredPublic: newer.armoredPublic, armoredSecret: null },
    );
    expect(again.armoredPublic).toBe(merged.armoredPublic);
    const decrypted = await openpgp.decryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: g.armoredSecret }),
      passphrase: PASS,
    });
    const revoked = await openpgp.revokeKey({ key: decrypted, format: 'armored' });
    const withRevocation = await api.mergeKeys(
      { armoredPublic: merged.armoredPublic, armoredSecret: g.armoredSecret },
      { armoredPublic: revoked.publicKey, armoredSecret: null },
    );
    expect(withRevocation.summary.status).toBe('revoked');
    expect(withRevocation.armoredSecret).toContain('PRIVATE KEY BLOCK');
    await api.lockAll();
  });
});

describe('encryption algorithm and Autocrypt keydata', () => {
  const seipdVersion = async (armored: Blob) => {
    const message = await openpgp.readMessage({ armoredMessage: await armored.text() });
    return (
      message.packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as unknown as {
        version: number;
      }
    ).version;
  };

  it('uses SEIPDv2 only when every recipient key advertises it (v4 → v1, all v6 → v2, mixed → v1)', async () => {
    const v4 = await api.generateKey({
      name: '',
      email: 'v4@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    const v6 = await api.generateKey({
      name: '',
      email: 'v6@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-v6',
      expiresInSeconds: 0,
    });
    const to = (k: typeof v4, address: string) => ({ armoredPublic: k.armoredPublic, address });
    expect(
      await seipdVersion(
        (await api.encryptPayload({ payload: 'x\r\n', recipients: [to(v4, 'v4@example.org')] })).armored,
      ),
    ).toBe(1);
    expect(
      await seipdVersion(
        (await api.encryptPayload({ payload: 'x\r\n', recipients: [to(v6, 'v6@example.org')] })).armored,
      ),
    ).toBe(2);
    expect(
      await seipdVersion(
        (
          await api.encryptPayload({
            payload: 'x\r\n',
            recipients: [to(v4, 'v4@example.org'), to(v6, 'v6@example.org')],
          })
        ).armored,
      ),
    ).toBe(1);
  });

  it('SEIPDv2 uses AES-GCM; a key that lists only OCB suites gets SEIPDv1, never OCB', async () => {
    const packetOf = async (armored: Blob) => {
      const message = await openpgp.readMessage({ armoredMessage: await armored.text() });
      return message.packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as unknown as {
        version: number;
        aeadAlgorithm: number;
        cipherAlgorithm: number;
      };
    };
    const v6 = await api.generateKey({
      name: '',
      email: 'v6@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-v6',
      expiresInSeconds: 0,
    });
    const gcm = await packetOf(
      (
        await api.encryptPayload({
          payload: 'x\r\n',
          recipients: [{ armoredPublic: v6.armoredPublic, address: 'v6@example.org' }],
        })
      ).armored,
    );
    expect(gcm).toMatchObject({ version: 2, aeadAlgorithm: openpgp.enums.aead.gcm });
    const ocbOnly = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ email: 'ocb@example.org' }],
      format: 'armored',
      config: { v6Keys: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb },
    });
    const suites = (await (await openpgp.readKey({ armoredKey: ocbOnly.publicKey })).getPrimaryUser())
      .selfCertification as unknown as { preferredCipherSuites: [number, number][] | null };
    const direct =
      (
        (await openpgp.readKey({ armoredKey: ocbOnly.publicKey })) as unknown as {
          directSignatures: { preferredCipherSuites: [number, number][] }[];
        }
      ).directSignatures[0]?.preferredCipherSuites ??
      suites.preferredCipherSuites ??
      [];
    expect(direct.some(([, aead]) => aead === openpgp.enums.aead.gcm)).toBe(false);
    const fallback = await packetOf(
      (
        await api.encryptPayload({
          payload: 'x\r\n',
          recipients: [{ armoredPublic: ocbOnly.publicKey, address: 'ocb@example.org' }],
        })
      ).armored,
    );
    expect(fallback.version).toBe(1);
  });

  it('cuts the key to the five Autocrypt packets', async () => {
    const g = await api.generateKey({
      name: 'A',
      email: 'a@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    await api.unlockKey(g.armoredSecret, PASS, 60_000);
    const withAlias = await api.addUserId(
      g.summary.fingerprint,
      { name: 'A', email: 'alias@example.org' },
      g.armoredSecret,
    );
    await api.lockAll();
    const keydata = await api.autocryptKeydata(withAlias.armoredPublic, 'alias@example.org');
    const key = await openpgp.readKey({ binaryKey: keydata });
    expect(key.toPacketList().length).toBe(5);
    expect(key.getUserIDs()).toEqual(['A <alias@example.org>']);
    expect(key.getFingerprint().toUpperCase()).toBe(g.summary.fingerprint);
    await expect(key.getEncryptionKey()).resolves.toBeTruthy();
  });
});
