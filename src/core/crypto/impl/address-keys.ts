import {
  enums,
  type Key,
  PacketList,
  readKey,
  PublicKey,
  PublicSubkeyPacket,
  SignaturePacket,
  UserAttributePacket,
  UserIDPacket,
} from 'openpgp';
import { asciiLower } from '../../mime/addresses';
import type { AddressKey, AddressKeys } from '../types';
import { summarizeKey, weakAlgorithm } from './key-summary';
import { parseKeyData } from './parse-keys';
import { floodRefusal } from './key-limits';
import { certificationAcceptable, sha1BindingProblem, sha1UserIdProblem } from './openpgp-config';

const CERTIFICATIONS = new Set<number>([
  enums.signature.certGeneric,
  enums.signature.certPersona,
  enums.signature.certCasual,
  enums.signature.certPositive,
]);

/**
 * The key reduced to what the directory may vouch for (draft-koch-openpgp-webkey-service §5: only the requested user ID): primary key, the user
 * IDs for `address` with their self-signatures, and the subkeys. Other user IDs, photo IDs and
 * third-party certifications are dropped. Null when no user ID names the address.
 */
export function minimalKeyFor(key: Key, address: string): PublicKey | null {
  const wanted = asciiLower(address);
  const pub = key.toPublic();
  const primaryKeyId = pub.getKeyID();
  const out = new PacketList();
  let keep = true;
  let inUserId = false;
  let matched = false;
  for (const packet of pub.toPacketList()) {
    if (packet instanceof UserIDPacket) {
      inUserId = true;
      keep = asciiLower(packet.email) === wanted;
      matched ||= keep;
    } else if (packet instanceof UserAttributePacket) {
      inUserId = false;
      keep = false;
    } else if (packet instanceof PublicSubkeyPacket) {
      inUserId = false;
      keep = true;
    } else if (
      keep &&
      inUserId &&
      packet instanceof SignaturePacket &&
      CERTIFICATIONS.has(packet.signatureType!) &&
      !packet.issuerKeyID.equals(primaryKeyId)
    ) {
      continue;
    }
    if (keep) out.push(packet);
  }
  return matched ? new PublicKey(out) : null;
}

/** Whether `signer` made a valid certification of one of `key`'s user IDs for `address`. */
async function certifiedBy(key: Key, signer: Key, address: string, now: Date): Promise<boolean> {
  const wanted = asciiLower(address);
  for (const user of key.users) {
    if (!user.userID || asciiLower(user.userID.email) !== wanted) continue;
    for (const certification of user.otherCertifications) {
      if (!signer.getKeyIDs().some((id) => id.equals(certification.issuerKeyID))) continue;
      if (!certificationAcceptable(certification)) continue;
      if (await user.verifyCertificate(certification, [signer], now).catch(() => null)) return true;
    }
  }
  return false;
}

/** Keys from a directory answer that may stand for `address`, each judged usable or not. */
export async function keysForAddress(
  data: string | Uint8Array,
  address: string,
  now: Date,
  vouchingKey?: string,
): Promise<AddressKeys> {
  const keys = await parseKeyData(data);
  const signer = vouchingKey ? await readKey({ armoredKey: vouchingKey }) : null;
  const result: AddressKeys = { keys: [], rejected: [] };
  for (const key of keys) {
    const fingerprint = key.getFingerprint().toUpperCase();
    // Certificate flooding: refused before any signature is checked (checking is what floods).
    const flooded = floodRefusal(key);
    if (flooded) {
      result.rejected.push({ fingerprint, reason: flooded });
      continue;
    }
    const minimal = minimalKeyFor(key, address);
    if (!minimal) {
      result.rejected.push({ fingerprint, reason: `The key has no user ID for ${address}.` });
      continue;
    }
    const summary = await summarizeKey(minimal, now);
    const userId = summary.userIds.find((u) => asciiLower(u.email) === asciiLower(address));
    const weak = minimal
      .getKeys()
      .map((k) => weakAlgorithm(k.getAlgorithmInfo()))
      .find(Boolean);
    const user = key.users.find((u) => u.userID && asciiLower(u.userID.email) === asciiLower(address));
    const sha1 = (user && sha1UserIdProblem(user)) ?? sha1BindingProblem(minimal);
    const problem =
      sha1 && userId?.status !== 'revoked'
        ? `The key for ${address} does not count: ${sha1}.`
        : userId?.status !== 'valid'
          ? `The user ID for ${address} is ${userId?.status ?? 'missing'}.`
          : weak
            ? `Weak algorithm: ${weak}.`
            : summary.status !== 'valid'
              ? (summary.statusDetail ?? `The key is ${summary.status}.`)
              : null;
    // Checked before the minimal copy drops third-party certifications.
    const vouched = signer ? await certifiedBy(key, signer, address, now) : false;
    const entry: AddressKey = { summary, armoredPublic: minimal.armor(), usable: problem === null, problem, vouched };
    result.keys.push(entry);
  }
  // Several usable keys: prefer the newest (draft-koch-openpgp-webkey-service §3.1: several keys may be served); unusable ones stay for revocation news.
  result.keys.sort(
    (a, b) => Number(b.usable) - Number(a.usable) || Date.parse(b.summary.created) - Date.parse(a.summary.created),
  );
  return result;
}
