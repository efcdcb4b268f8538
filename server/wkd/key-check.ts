import { type Key, readKeys } from 'openpgp';
import '../../src/core/crypto/impl/openpgp-config';
import { publishableKeyFor } from '../../src/core/crypto/impl/publishable-key';
import { MAX_KEY_BYTES } from '../../src/core/limits';

/** A refusal with its HTTP status: 400 not a (public) key, 413 too large, 422 a key unfit for the address. */
export type Refusal = { status: 400 | 413 | 422; reason: string };

export type ParsedKey = { ok: true; key: Key } | ({ ok: false } & Refusal);

/** One public key, armored; never a secret key, never more than MAX_KEY_BYTES. */
export async function parseSubmittedKey(text: unknown): Promise<ParsedKey> {
  if (typeof text !== 'string' || !text.trim())
    return { ok: false, status: 400, reason: 'No key given: send { "key": "<armored public key>" }.' };
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text)) {
    return {
      ok: false,
      status: 400,
      reason: 'That is a secret key. Only public keys are published; the secret key never leaves the browser.',
    };
  }
  let keys: Key[];
  try {
    keys = await readKeys({ armoredKeys: text });
  } catch {
    return { ok: false, status: 400, reason: 'The key could not be read: it is not an armored OpenPGP public key.' };
  }
  if (keys.length !== 1)
    return { ok: false, status: 400, reason: `Send one key at a time (this holds ${keys.length}).` };
  const key = keys[0]!;
  if (key.isPrivate())
    return { ok: false, status: 400, reason: 'That is a secret key. Only public keys are published.' };
  const size = key.write().byteLength;
  if (size > MAX_KEY_BYTES) {
    return {
      ok: false,
      status: 413,
      reason: `The key is ${Math.ceil(size / 1024)} KiB; at most ${MAX_KEY_BYTES / 1024} KiB are published.`,
    };
  }
  return { ok: true, key };
}

export type Publishable =
  { ok: true; fingerprint: string; bytes: Uint8Array; revoked: boolean } | ({ ok: false } & Refusal);

/**
 * Whether `key` may be published for `address`, and the file to serve: a valid, unrevoked
 * self-signed user ID for exactly that address (the holder's own claim), not expired, able to
 * encrypt. A revoked key passes only when `revocationOf` names its fingerprint (it replaces a key
 * already published there: the revocation signature is its own proof).
 */
export async function publishableFor(
  key: Key,
  address: string,
  now: Date,
  revocationOf: string | null,
): Promise<Publishable> {
  const fingerprint = key.getFingerprint().toUpperCase();
  const revoked = await key.isRevoked(undefined, undefined, now);
  if (revoked && revocationOf !== fingerprint) {
    return {
      ok: false,
      status: 422,
      reason: 'The key is revoked. A revocation is published only for a key that is published for this address.',
    };
  }
  if (!revoked) {
    try {
      await key.verifyPrimaryKey(now);
    } catch {
      const expires = await key.getExpirationTime().catch(() => null);
      const expired = expires instanceof Date && expires.getTime() <= now.getTime();
      return {
        ok: false,
        status: 422,
        reason: expired ? 'The key has expired.' : 'The key has no valid self-signature.',
      };
    }
    const canEncrypt = await key.getEncryptionKey(undefined, now).then(
      () => true,
      () => false,
    );
    if (!canEncrypt)
      return {
        ok: false,
        status: 422,
        reason: 'The key has no valid encryption subkey, so nobody could encrypt to it.',
      };
  }
  const minimal = await publishableKeyFor(key, address, now);
  if (!minimal) return { ok: false, status: 422, reason: `The key has no valid self-signed user ID for ${address}.` };
  return { ok: true, fingerprint, bytes: minimal.write(), revoked };
}
