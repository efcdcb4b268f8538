import type { Key } from 'openpgp';
import { AppError } from '../../errors/app-error';
import { MAX_KEY_BYTES } from '../../limits';
import type { InspectedKey } from '../types';
import { summarizeKey, weakAlgorithm } from './key-summary';

/** Certificate-flooding limits for imported keys (Hagrid caps keys at 1 MiB; we are stricter). */
export const KEY_LIMITS = { maxKeyBytes: MAX_KEY_BYTES, maxUserIds: 64, maxSignatures: 512 };
export const MIN_PASSPHRASE_LENGTH = 8;

const signatureCount = (key: Key) =>
  key.revocationSignatures.length +
  key.users.reduce(
    (n, u) => n + u.selfCertifications.length + u.otherCertifications.length + u.revocationSignatures.length,
    0,
  ) +
  key.subkeys.reduce((n, s) => n + s.bindingSignatures.length + s.revocationSignatures.length, 0);

export function secretProtected(key: Key): boolean {
  if (!key.isPrivate()) return false;
  return key.getKeys().every((k) => {
    const packet = k.keyPacket as { isDummy?: () => boolean; isDecrypted?: () => boolean | null };
    return packet.isDummy?.() === true || packet.isDecrypted?.() === false;
  });
}

/** Why a key is refused for its size alone (certificate flooding), before anything else is read; or null. */
export function floodRefusal(key: Key, size = key.write().byteLength): string | null {
  if (size > KEY_LIMITS.maxKeyBytes)
    return `The key is ${Math.round(size / 1024)} KiB; keys over ${KEY_LIMITS.maxKeyBytes / 1024} KiB are refused (certificate flooding).`;
  if (key.users.length > KEY_LIMITS.maxUserIds)
    return `The key has ${key.users.length} user IDs; more than ${KEY_LIMITS.maxUserIds} are refused (certificate flooding).`;
  const signatures = signatureCount(key);
  if (signatures > KEY_LIMITS.maxSignatures)
    return `The key carries ${signatures} signatures; more than ${KEY_LIMITS.maxSignatures} are refused (certificate flooding).`;
  return null;
}

function refusalOf(key: Key, size: number, hasValidUserId: boolean): string | null {
  const flooded = floodRefusal(key, size);
  if (flooded) return flooded;
  for (const k of key.getKeys()) {
    const weak = weakAlgorithm(k.getAlgorithmInfo());
    if (weak) return `Weak algorithm: ${weak}.`;
  }
  if (!hasValidUserId) return 'The key has no valid user ID, so it cannot be tied to an address.';
  return null;
}

export function requirePassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new AppError('crypto/weak-passphrase', 'Passphrase too short', {
      detail: `Use at least ${MIN_PASSPHRASE_LENGTH} characters.`,
    });
  }
}

/**
 * One key as the import preview shows it, with the reason it is refused, if it is. Flooded keys are
 * refused before any signature is checked: checking is what floods.
 */
export async function inspectKey(key: Key, now: Date): Promise<InspectedKey> {
  const size = key.write().byteLength;
  const summary = floodRefusal(key, size)
    ? {
        fingerprint: key.getFingerprint().toUpperCase(),
        version: key.keyPacket.version,
        kind: key.isPrivate() ? ('secret' as const) : ('public' as const),
        userIds: [],
        primaryUserId: null,
        algorithm: '',
        created: key.getCreationTime().toISOString(),
        expires: null,
        status: 'invalid' as const,
        statusDetail: 'Not checked: refused for its size.',
        canEncrypt: false,
        canSign: false,
        capabilities: [],
        subkeys: [],
        seipdV2: false,
      }
    : await summarizeKey(key, now);
  const hasValidUserId = summary.userIds.some((u) => u.status === 'valid');
  return {
    summary,
    armoredPublic: key.toPublic().armor(),
    armoredSecret: key.isPrivate() ? key.armor() : null,
    secretProtected: secretProtected(key),
    sizeBytes: size,
    refusal: refusalOf(key, size, hasValidUserId || summary.status === 'expired' || summary.status === 'revoked'),
  };
}
