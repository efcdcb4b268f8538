import {
  createMessage, decrypt, decryptKey, encrypt, encryptKey, enums, generateKey, type Key, PacketList, type PrivateKey, PublicKey, type SessionKey, readKey, readMessage, readPrivateKey,
  readSignature, reformatKey, sign,
} from 'openpgp';
import { asciiLower } from '../mime/addresses';
import { AppError } from '../errors/app-error';
import { MAX_KEY_BYTES } from '../limits';
import { keysForAddress, minimalKeyFor } from './impl/address-keys';
import { armorMessage, asciiBytes } from './impl/armor';
import { summarizeKey, weakAlgorithm } from './impl/key-summary';
import { parseKeyData } from './impl/parse-keys';
import { classifyOpenpgpError, openpgpErrorText } from './impl/openpgp-errors';
import type { CryptoApi, GenerateKeyInput, InspectedKey } from './types';

/** Certificate-flooding limits for imported keys (Hagrid caps keys at 1 MiB; we are stricter). */
export const KEY_LIMITS = { maxKeyBytes: MAX_KEY_BYTES, maxUserIds: 64, maxSignatures: 512 };
export const MIN_PASSPHRASE_LENGTH = 8;

const signatureCount = (key: Key) =>
  key.revocationSignatures.length +
  key.users.reduce((n, u) => n + u.selfCertifications.length + u.otherCertifications.length + u.revocationSignatures.length, 0) +
  key.subkeys.reduce((n, s) => n + s.bindingSignatures.length + s.revocationSignatures.length, 0);

function secretProtected(key: Key): boolean {
  if (!key.isPrivate()) return false;
  return key.getKeys().every((k) => {
    const packet = k.keyPacket as { isDummy?: () => boolean; isDecrypted?: () => boolean | null };
    return packet.isDummy?.() === true || packet.isDecrypted?.() === false;
  });
}

function refusalOf(key: Key, size: number, hasValidUserId: boolean): string | null {
  if (size > KEY_LIMITS.maxKeyBytes) return `The key is ${Math.round(size / 1024)} KiB; keys over ${KEY_LIMITS.maxKeyBytes / 1024} KiB are refused (certificate flooding).`;
  if (key.users.length > KEY_LIMITS.maxUserIds) return `The key has ${key.users.length} user IDs; more than ${KEY_LIMITS.maxUserIds} are refused (certificate flooding).`;
  const signatures = signatureCount(key);
  if (signatures > KEY_LIMITS.maxSignatures) return `The key carries ${signatures} signatures; more than ${KEY_LIMITS.maxSignatures} are refused (certificate flooding).`;
  for (const k of key.getKeys()) {
    const weak = weakAlgorithm(k.getAlgorithmInfo());
    if (weak) return `Weak algorithm: ${weak}.`;
  }
  if (!hasValidUserId) return 'The key has no valid user ID, so it cannot be tied to an address.';
  return null;
}

function requirePassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new AppError('crypto/weak-passphrase', 'Passphrase too short', { detail: `Use at least ${MIN_PASSPHRASE_LENGTH} characters.` });
  }
}

async function decryptOrFail(armoredSecret: string, passphrase: string): Promise<PrivateKey> {
  const privateKey = await readPrivateKey({ armoredKey: armoredSecret });
  try {
    return await decryptKey({ privateKey, passphrase });
  } catch (cause) {
    if (classifyOpenpgpError(cause) === 'bad-passphrase') throw new AppError('crypto/bad-passphrase', 'Wrong passphrase', { cause });
    throw new AppError('crypto/failed', `Could not decrypt the key: ${openpgpErrorText(cause)}`, { cause });
  }
}

async function readEncryptedMessage(armoredMessage: string) {
  try {
    return await readMessage({ armoredMessage });
  } catch (cause) {
    throw new AppError('crypto/failed', 'Not an OpenPGP message', { cause, detail: 'The data is not a readable OpenPGP message.' });
  }
}

type SelfSignature = { features: Uint8Array | null; preferredSymmetricAlgorithms: number[] | null; preferredCipherSuites?: [number, number][] | null };

/**
 * The session key decides the packet: SEIPDv2 with AES-GCM when every recipient key advertises
 * SEIPDv2 and a GCM suite, else SEIPDv1 (which every implementation reads). Never OCB: OpenPGP.js
 * would pick it whenever a key lists no GCM suite, and it is ~20× slower there. AES-256 when
 * every key accepts it, else AES-128.
 */
async function sessionKeyFor(keys: Key[], userIds: { email?: string }[], date: Date): Promise<SessionKey> {
  const selfSignatures = await Promise.all(
    keys.map((key, i) => (key as unknown as { getPrimarySelfSignature: (d: Date, u: unknown) => Promise<SelfSignature> }).getPrimarySelfSignature(date, userIds[i])),
  );
  const all = (test: (s: SelfSignature) => boolean) => selfSignatures.every(test);
  const { aes256, aes128 } = enums.symmetric;
  const gcm = enums.aead.gcm;
  const seipdV2 = all((s) => !!s.features && (s.features[0]! & 0x08) !== 0 /* features: SEIPDv2 */);
  const hasSuite = (symmetric: number) => all((s) => (s.preferredCipherSuites ?? []).some(([sym, aead]) => sym === symmetric && aead === gcm));
  const random = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length));
  if (seipdV2 && hasSuite(aes256)) return { data: random(32), algorithm: 'aes256', aeadAlgorithm: 'gcm' };
  if (seipdV2 && hasSuite(aes128)) return { data: random(16), algorithm: 'aes128', aeadAlgorithm: 'gcm' };
  return all((s) => (s.preferredSymmetricAlgorithms ?? []).includes(aes256)) ? { data: random(32), algorithm: 'aes256' } : { data: random(16), algorithm: 'aes128' };
}

const GENERATE_OPTIONS = {
  'curve25519-legacy': { type: 'ecc', curve: 'curve25519Legacy' },
  rsa3072: { type: 'rsa', rsaBits: 3072 },
  rsa4096: { type: 'rsa', rsaBits: 4096 },
  'curve25519-v6': { type: 'curve25519' },
} as const;

const WARM_UP_ROUNDS = 8;

/**
 * The OpenPGP.js implementation of CryptoApi. Runs in the crypto worker in the app and
 * in-process in Node tests. Unlocked keys live only here, in `unlocked`, until locked or timed out.
 */
export function createCryptoApi(options: { now?: () => Date } = {}): CryptoApi {
  const now = options.now ?? (() => new Date());
  const unlocked = new Map<string, { key: PrivateKey; timer: ReturnType<typeof setTimeout>; lockedAt: number }>();
  let warmedUp: Promise<void> | undefined;

  const lock = (fingerprint: string) => {
    const entry = unlocked.get(fingerprint);
    if (!entry) return;
    clearTimeout(entry.timer);
    unlocked.delete(fingerprint);
    // Security: drop our reference; OpenPGP.js offers no way to zero the key material itself.
  };

  return {
    async generateKey(input: GenerateKeyInput) {
      requirePassphrase(input.passphrase);
      if (!input.email.includes('@')) throw new AppError('keys/invalid-input', 'No email', { detail: 'Enter the e-mail address the key is for.' });
      const algorithm = GENERATE_OPTIONS[input.algorithm];
      if (!algorithm) throw new AppError('keys/invalid-input', `Unknown algorithm ${input.algorithm}`);
      const v6 = input.algorithm === 'curve25519-v6';
      let generated;
      try {
        generated = await generateKey({
          ...algorithm,
          userIDs: [{ name: input.name.trim() || undefined, email: input.email.trim() }],
          passphrase: input.passphrase,
          keyExpirationTime: input.expiresInSeconds,
          date: now(),
          format: 'object',
          config: v6 ? { v6Keys: true, aeadProtect: true } : { v6Keys: false, aeadProtect: false },
        });
      } catch (cause) {
        throw new AppError('keys/invalid-input', `generateKey failed: ${openpgpErrorText(cause)}`, { cause, detail: openpgpErrorText(cause) });
      }
      return {
        summary: await summarizeKey(generated.privateKey, now()),
        armoredPublic: generated.publicKey.armor(),
        armoredSecret: generated.privateKey.armor(),
        revocationCertificate: generated.revocationCertificate,
      };
    },

    async inspectKeys(data) {
      const keys = await parseKeyData(data);
      const out: InspectedKey[] = [];
      for (const key of keys) {
        const size = key.write().byteLength;
        const flooded = size > KEY_LIMITS.maxKeyBytes || key.users.length > KEY_LIMITS.maxUserIds || signatureCount(key) > KEY_LIMITS.maxSignatures;
        // Flooded keys are refused before any signature is checked: checking is what floods.
        const summary = flooded
          ? {
              fingerprint: key.getFingerprint().toUpperCase(), version: key.keyPacket.version, kind: key.isPrivate() ? 'secret' as const : 'public' as const,
              userIds: [], primaryUserId: null, algorithm: '', created: key.getCreationTime().toISOString(), expires: null, status: 'invalid' as const,
              statusDetail: 'Not checked: refused for its size.', canEncrypt: false, canSign: false, capabilities: [], subkeys: [], seipdV2: false,
            }
          : await summarizeKey(key, now());
        const hasValidUserId = summary.userIds.some((u) => u.status === 'valid');
        out.push({
          summary,
          armoredPublic: key.toPublic().armor(),
          armoredSecret: key.isPrivate() ? key.armor() : null,
          secretProtected: secretProtected(key),
          sizeBytes: size,
          refusal: refusalOf(key, size, hasValidUserId || summary.status === 'expired' || summary.status === 'revoked'),
        });
      }
      return out;
    },

    keysForAddress: (data, address, vouchingKey) => keysForAddress(data, address, now(), vouchingKey),

    warmUpKeyChecks() {
      warmedUp ??= (async () => {
        const address = 'warm-up@example.invalid';
        const { publicKey } = await generateKey({ userIDs: [{ email: address }], format: 'binary' });
        // Measured in Chromium: 20 keys take ~90 ms cold, ~30 ms after about 80 runs.
        for (let round = 0; round < WARM_UP_ROUNDS; round++) {
          await Promise.all(Array.from({ length: 10 }, () => keysForAddress(publicKey.slice(), address, now())));
        }
      })();
      return warmedUp;
    },

    async encryptPayload({ payload, recipients, signWith }) {
      if (recipients.length === 0) throw new AppError('crypto/failed', 'No recipients to encrypt to');
      const encryptionKeys: Key[] = [];
      const encryptionUserIDs: { name?: string; email?: string }[] = [];
      for (const r of recipients) {
        const key = await readKey({ armoredKey: r.armoredPublic });
        // OpenPGP.js matches user IDs exactly and case-sensitively: find the stored spelling ourselves.
        const user = key.users.find((u) => u.userID && asciiLower(u.userID.email) === asciiLower(r.address));
        if (!user?.userID) throw new AppError('crypto/failed', `The key for ${r.address} has no user ID for it`);
        encryptionKeys.push(key);
        encryptionUserIDs.push({ email: user.userID.email });
      }
      const signer = signWith ? unlocked.get(signWith.toUpperCase())?.key : undefined;
      if (signWith && !signer) throw new AppError('crypto/key-locked', `Key ${signWith} is locked`);
      try {
        const sessionKey = await sessionKeyFor(encryptionKeys, encryptionUserIDs, now());
        // The payload is already canonical (CRLF, 7-bit): a binary literal spares OpenPGP.js a
        // canonicalising pass over it (a third of the time for large messages); readers get the same bytes.
        const binary = await encrypt({
          message: await createMessage({ binary: typeof payload === 'string' ? asciiBytes(payload) : payload }),
          encryptionKeys: encryptionKeys as PublicKey[],
          encryptionUserIDs,
          sessionKey,
          ...(signer ? { signingKeys: signer } : {}),
          date: now(),
          format: 'binary',
        });
        return { armored: armorMessage(binary as Uint8Array, !sessionKey.aeadAlgorithm) };
      } catch (cause) {
        throw new AppError('crypto/failed', `Encryption failed: ${openpgpErrorText(cause)}`, { cause, detail: openpgpErrorText(cause) });
      }
    },

    async encryptedFor(armoredMessage) {
      const message = await readEncryptedMessage(armoredMessage);
      return message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase()).filter((id) => !/^0+$/.test(id));
    },

    async decryptPayload(armoredMessage) {
      const message = await readEncryptedMessage(armoredMessage);
      const wanted = new Set(message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase()));
      const decryptionKeys = [...unlocked.values()]
        .map((e) => e.key)
        .filter((key) => key.getKeys().some((k) => wanted.has(k.getKeyID().toHex().toUpperCase())));
      if (decryptionKeys.length === 0) throw new AppError('crypto/key-locked', 'No unlocked key can decrypt this message');
      try {
        const { data } = await decrypt({ message, decryptionKeys, format: 'binary', date: now() });
        return { payload: data as Uint8Array };
      } catch (cause) {
        throw new AppError('crypto/failed', `Decryption failed: ${openpgpErrorText(cause)}`, { cause, detail: openpgpErrorText(cause) });
      }
    },

    async autocryptKeydata(armoredPublic, address) {
      const minimal = minimalKeyFor(await readKey({ armoredKey: armoredPublic }), address);
      if (!minimal) throw new AppError('crypto/failed', `No user ID for ${address}`);
      const primaryUser = await minimal.getPrimaryUser(now());
      const subkey = await minimal.getEncryptionKey(undefined, now());
      if (subkey === minimal) throw new AppError('crypto/failed', 'No encryption subkey for Autocrypt');
      const binding = (subkey as unknown as { bindingSignatures: import('openpgp').SignaturePacket[] }).bindingSignatures.at(-1)!;
      const packets = new PacketList();
      for (const p of [minimal.keyPacket, primaryUser.user.userID!, primaryUser.selfCertification, subkey.keyPacket, binding]) packets.push(p);
      return new PublicKey(packets).write();
    },

    async signPayload({ payload, signWith }) {
      const signer = unlocked.get(signWith.toUpperCase())?.key;
      if (!signer) throw new AppError('crypto/key-locked', `Key ${signWith} is locked`);
      const armoredSignature = (await sign({ message: await createMessage({ text: payload }), signingKeys: signer, detached: true, date: now(), format: 'armored' })) as string;
      const signature = await readSignature({ armoredSignature });
      const hash = enums.read(enums.hash, signature.packets[0]!.hashAlgorithm!);
      return { armoredSignature, hash };
    },

    async mergeKeys(stored, incoming) {
      const base = stored.armoredSecret ? await readPrivateKey({ armoredKey: stored.armoredSecret }) : await readKey({ armoredKey: stored.armoredPublic });
      const source = incoming.armoredSecret ? await readPrivateKey({ armoredKey: incoming.armoredSecret }) : await readKey({ armoredKey: incoming.armoredPublic });
      if (base.getFingerprint() !== source.getFingerprint()) throw new AppError('keys/invalid-input', 'Merging different keys');
      // A secret copy coming in for a stored public key: keep the (protected) secret copy as the base.
      const merged = base.isPrivate() || !source.isPrivate() ? await base.update(source as PublicKey, now()) : await source.update(base, now());
      return {
        summary: await summarizeKey(merged, now()),
        armoredPublic: merged.toPublic().armor(),
        armoredSecret: merged.isPrivate() ? merged.armor() : null,
      };
    },

    async protectKey(armoredSecret, passphrase) {
      requirePassphrase(passphrase);
      const privateKey = await readPrivateKey({ armoredKey: armoredSecret });
      if (secretProtected(privateKey)) throw new AppError('keys/invalid-input', 'Key is already protected');
      const encrypted = await encryptKey({ privateKey, passphrase });
      return encrypted.armor();
    },

    async unlockKey(armoredSecret, passphrase, ttlMs) {
      const key = await decryptOrFail(armoredSecret, passphrase);
      const fingerprint = key.getFingerprint().toUpperCase();
      lock(fingerprint);
      const lockedAt = Date.now() + ttlMs;
      unlocked.set(fingerprint, { key, lockedAt, timer: setTimeout(() => lock(fingerprint), ttlMs) });
      return { fingerprint, lockedAt };
    },

    async lockKey(fingerprint) {
      lock(fingerprint.toUpperCase());
    },

    async lockAll() {
      for (const fingerprint of [...unlocked.keys()]) lock(fingerprint);
    },

    async unlockedKeys() {
      return [...unlocked.keys()];
    },

    async addUserId(fingerprint, userId, armoredSecret) {
      const entry = unlocked.get(fingerprint.toUpperCase());
      if (!entry) throw new AppError('crypto/key-locked', `Key ${fingerprint} is locked`);
      const stored = await readPrivateKey({ armoredKey: armoredSecret });
      if (stored.getFingerprint().toUpperCase() !== fingerprint.toUpperCase()) throw new AppError('keys/invalid-input', 'Fingerprint mismatch');
      const existing = stored.users.flatMap((u) => (u.userID ? [{ name: u.userID.name, email: u.userID.email, comment: u.userID.comment }] : []));
      if (existing.some((u) => u.email.toLowerCase() === userId.email.toLowerCase())) {
        throw new AppError('keys/invalid-input', 'User ID exists', { detail: `The key already has a user ID for ${userId.email}.` });
      }
      const expires = await stored.getExpirationTime();
      const keyExpirationTime = expires instanceof Date ? Math.max(1, Math.round((expires.getTime() - stored.getCreationTime().getTime()) / 1000)) : 0;
      // reformatKey signs a fresh set of self-signatures with the unlocked key; we keep only the new
      // user ID and its self-signature and merge them into the stored, still encrypted key.
      const reformatted = await reformatKey({ privateKey: entry.key, userIDs: [...existing, { name: userId.name, email: userId.email }], keyExpirationTime, date: now(), format: 'object' });
      const newUser = reformatted.privateKey.users.find((u) => u.userID?.email.toLowerCase() === userId.email.toLowerCase());
      if (!newUser) throw new AppError('crypto/failed', 'New user ID missing after reformat');
      const packets = new PacketList();
      packets.push(stored.toPublic().keyPacket);
      for (const p of newUser.toPacketList()) packets.push(p);
      const updated = await stored.update(new PublicKey(packets), now());
      return { summary: await summarizeKey(updated, now()), armoredPublic: updated.toPublic().armor(), armoredSecret: updated.armor() };
    },
  };
}
