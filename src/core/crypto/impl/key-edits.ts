import {
  revokeKey,
  PacketList,
  type PrivateKey,
  PublicKey,
  readKey,
  readPrivateKey,
  reformatKey,
  type SignaturePacket,
} from 'openpgp';
import { AppError } from '../../errors/app-error';
import type { KeySummary } from '../types';
import { minimalKeyFor } from './address-keys';
import { summarizeKey } from './key-summary';

type KeyMaterial = { armoredPublic: string; armoredSecret: string | null };

/** Autocrypt `keydata` (Autocrypt Level 1 §2.1.1): primary key, one user ID, one encryption subkey, their signatures. */
export async function autocryptKeydata(armoredPublic: string, address: string, now: Date): Promise<Uint8Array> {
  const minimal = minimalKeyFor(await readKey({ armoredKey: armoredPublic }), address);
  if (!minimal) throw new AppError('crypto/failed', `No user ID for ${address}`);
  const primaryUser = await minimal.getPrimaryUser(now);
  const subkey = await minimal.getEncryptionKey(undefined, now);
  if (subkey === minimal) throw new AppError('crypto/failed', 'No encryption subkey for Autocrypt');
  const binding = (subkey as unknown as { bindingSignatures: SignaturePacket[] }).bindingSignatures.at(-1)!;
  const packets = new PacketList();
  for (const p of [
    minimal.keyPacket,
    primaryUser.user.userID!,
    primaryUser.selfCertification,
    subkey.keyPacket,
    binding,
  ])
    packets.push(p);
  return new PublicKey(packets).write();
}

/** A stored key updated from another copy of itself (new user IDs, subkeys, signatures, revocations). */
export async function mergeKeys(
  stored: KeyMaterial,
  incoming: KeyMaterial,
  now: Date,
): Promise<KeyMaterial & { summary: KeySummary }> {
  const base = stored.armoredSecret
    ? await readPrivateKey({ armoredKey: stored.armoredSecret })
    : await readKey({ armoredKey: stored.armoredPublic });
  const source = incoming.armoredSecret
    ? await readPrivateKey({ armoredKey: incoming.armoredSecret })
    : await readKey({ armoredKey: incoming.armoredPublic });
  if (base.getFingerprint() !== source.getFingerprint())
    throw new AppError('keys/invalid-input', 'Merging different keys');
  // A secret copy coming in for a stored public key: keep the (protected) secret copy as the base.
  const merged =
    base.isPrivate() || !source.isPrivate()
      ? await base.update(source as PublicKey, now)
      : await source.update(base, now);
  return {
    summary: await summarizeKey(merged, now),
    armoredPublic: merged.toPublic().armor(),
    armoredSecret: merged.isPrivate() ? merged.armor() : null,
  };
}

/**
 * A new user ID for an address, self-signed with the unlocked key and merged into the stored, still
 * passphrase-protected secret key.
 */
export async function addUserId(options: {
  unlockedKey: PrivateKey;
  fingerprint: string;
  userId: { name: string; email: string };
  armoredSecret: string;
  now: Date;
}): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string }> {
  const { fingerprint, userId, armoredSecret, now } = options;
  const stored = await readPrivateKey({ armoredKey: armoredSecret });
  if (stored.getFingerprint().toUpperCase() !== fingerprint.toUpperCase())
    throw new AppError('keys/invalid-input', 'Fingerprint mismatch');
  const existing = stored.users.flatMap((u) =>
    u.userID ? [{ name: u.userID.name, email: u.userID.email, comment: u.userID.comment }] : [],
  );
  if (existing.some((u) => u.email.toLowerCase() === userId.email.toLowerCase())) {
    throw new AppError('keys/invalid-input', 'User ID exists', {
      detail: `The key already has a user ID for ${userId.email}.`,
    });
  }
  const expires = await stored.getExpirationTime();
  const keyExpirationTime =
    expires instanceof Date
      ? Math.max(1, Math.round((expires.getTime() - stored.getCreationTime().getTime()) / 1000))
      : 0;
  // reformatKey signs a fresh set of self-signatures with the unlocked key; we keep only the new
  // user ID and its self-signature and merge them into the stored, still encrypted key.
  const reformatted = await reformatKey({
    privateKey: options.unlockedKey,
    userIDs: [...existing, { name: userId.name, email: userId.email }],
    keyExpirationTime,
    date: now,
    format: 'object',
  });
  const newUser = reformatted.privateKey.users.find(
    (u) => u.userID?.email.toLowerCase() === userId.email.toLowerCase(),
  );
  if (!newUser) throw new AppError('crypto/failed', 'New user ID missing after reformat');
  const packets = new PacketList();
  packets.push(stored.toPublic().keyPacket);
  for (const p of newUser.toPacketList()) packets.push(p);
  const updated = await stored.update(new PublicKey(packets), now);
  return {
    summary: await summarizeKey(updated, now),
    armoredPublic: updated.toPublic().armor(),
    armoredSecret: updated.armor(),
  };
}

/**
 * A new expiry for the whole key, as fresh self-signatures made with the unlocked key and merged
 * into the stored one. Merging (rather than keeping reformatKey's output) keeps revocations,
 * third-party certifications and the older self-signatures that old signatures were made under;
 * the newest valid self-signature wins in OpenPGP.js and GnuPG alike.
 */
export async function extendExpiry(options: {
  unlockedKey: PrivateKey;
  fingerprint: string;
  expiresAt: Date;
  armoredSecret: string;
  now: Date;
}): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string }> {
  const { unlockedKey, expiresAt, now } = options;
  const stored = await readPrivateKey({ armoredKey: options.armoredSecret });
  if (stored.getFingerprint().toUpperCase() !== options.fingerprint.toUpperCase()) {
    throw new AppError('keys/invalid-input', 'Fingerprint mismatch');
  }
  if (expiresAt.getTime() <= now.getTime())
    throw new AppError('keys/invalid-input', 'Expiry in the past', { detail: 'Choose a date in the future.' });
  // keyExpirationTime counts from the key's creation, not from now.
  const keyExpirationTime = Math.floor((expiresAt.getTime() - stored.getCreationTime().getTime()) / 1000);
  const primary = await stored.getPrimaryUser(now).catch(() => null);
  const valid = [];
  for (const user of stored.users) {
    if (!user.userID) continue;
    if (
      await user.verify(now).then(
        () => true,
        () => false,
      )
    )
      valid.push(user.userID);
  }
  // An expired key's user IDs no longer verify today: take every user ID that is not revoked.
  const candidates = valid.length
    ? valid
    : stored.users.filter((u) => u.userID && u.revocationSignatures.length === 0).map((u) => u.userID!);
  const primaryFirst = [...candidates].sort(
    (a, b) => Number(b === primary?.user.userID) - Number(a === primary?.user.userID),
  );
  if (!primaryFirst.length)
    throw new AppError('keys/invalid-input', 'No user ID to extend', {
      detail: 'The key has no user ID that is not revoked.',
    });
  const reformatted = await reformatKey({
    privateKey: unlockedKey,
    userIDs: primaryFirst.map((u) => ({ name: u.name, email: u.email, comment: u.comment })),
    keyExpirationTime,
    date: now,
    format: 'object',
  });
  const updated = await stored.update(reformatted.privateKey.toPublic(), now);
  return {
    summary: await summarizeKey(updated, now),
    armoredPublic: updated.toPublic().armor(),
    armoredSecret: updated.armor(),
  };
}

/** The key with its own revocation certificate applied (the certificate is its own proof: no passphrase). */
export async function applyRevocation(
  stored: KeyMaterial,
  revocationCertificate: string,
  now: Date,
): Promise<KeyMaterial & { summary: KeySummary }> {
  const base = stored.armoredSecret
    ? await readPrivateKey({ armoredKey: stored.armoredSecret })
    : await readKey({ armoredKey: stored.armoredPublic });
  let revoked;
  try {
    ({ publicKey: revoked } = await revokeKey({
      key: base.toPublic(),
      revocationCertificate,
      date: now,
      format: 'object',
    }));
  } catch (cause) {
    throw new AppError('keys/invalid-input', 'Revocation certificate does not apply', {
      cause,
      detail: 'This revocation certificate is not for this key.',
    });
  }
  const merged = await base.update(revoked, now);
  return {
    summary: await summarizeKey(merged, now),
    armoredPublic: merged.toPublic().armor(),
    armoredSecret: merged.isPrivate() ? merged.armor() : null,
  };
}
