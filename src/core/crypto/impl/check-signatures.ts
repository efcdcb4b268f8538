import { enums, type Key, type KeyID, readKey, type Signature } from 'openpgp';
import { asciiLower } from '../../mime/addresses';
import type { SignatureCheck } from '../types';
import { summarizeKey } from './key-summary';
import { OPENPGP_POLICY } from './openpgp-config';
import { openpgpErrorText } from './openpgp-errors';

/** OpenPGP.js does not export its VerificationResult type. */
type VerificationResult = { keyID: KeyID; verified: Promise<true>; signature: Promise<Signature> };

export const readKeys = (armored: string[]): Promise<Key[]> =>
  Promise.all(armored.map((armoredKey) => readKey({ armoredKey })));

/**
 * Each signature on its own: which of `keys` made it, whether it verifies, and what its key is now.
 * A refused hash (SHA-1 and weaker for messages) is `bad` whatever the key.
 */
export async function checkSignatures(
  results: VerificationResult[],
  keys: Key[],
  now: Date,
): Promise<SignatureCheck[]> {
  // Unawaited verifications must not surface as unhandled rejections.
  for (const r of results) r.verified.catch(() => undefined);
  return Promise.all(
    results.map(async (r): Promise<SignatureCheck> => {
      const packet = (await r.signature).packets[0];
      const issuer = r.keyID.toHex().toUpperCase();
      const hash =
        packet?.hashAlgorithm != null ? String(enums.read(enums.hash, packet.hashAlgorithm as enums.hash)) : 'unknown';
      const base = {
        issuer,
        issuerFingerprint: packet?.issuerFingerprint
          ? [...packet.issuerFingerprint]
              .map((b) => b.toString(16).padStart(2, '0'))
              .join('')
              .toUpperCase()
          : null,
        created: packet?.created ? packet.created.toISOString() : null,
        hash,
      };
      const key = keys.find((k) => k.getKeys(r.keyID).length > 0);
      if (!key) return { ...base, result: 'no-key', problem: null, signer: null };
      const summary = await summarizeKey(key, now);
      const signer = {
        fingerprint: summary.fingerprint,
        status: summary.status,
        addresses: summary.userIds.filter((u) => u.status === 'valid').map((u) => asciiLower(u.email)),
      };
      if (packet && OPENPGP_POLICY.rejectMessageHashAlgorithms.has(packet.hashAlgorithm!)) {
        return { ...base, result: 'bad', problem: `it uses ${hash.toUpperCase()}, which is not accepted`, signer };
      }
      try {
        await r.verified;
        return { ...base, result: 'good', problem: null, signer };
      } catch (cause) {
        return { ...base, result: 'bad', problem: openpgpErrorText(cause), signer };
      }
    }),
  );
}
