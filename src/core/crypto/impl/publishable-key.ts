import {
  type Key,
  PacketList,
  PublicKey,
  PublicSubkeyPacket,
  SignaturePacket,
  type User,
  UserAttributePacket,
  UserIDPacket,
} from 'openpgp';
import { asciiLower } from '../../mime/addresses';
import { newestSignature } from './openpgp-config';

const isValid = (user: User, now: Date) =>
  user.verify(now).then(
    () => true,
    () => false,
  );

const newestSelfSignature = (user: User) => newestSignature(user.selfCertifications)?.created?.getTime() ?? 0;

/**
 * The key as a web key directory serves it for `address` (draft-koch-openpgp-webkey-service §5:
 * only the requested user ID): the primary key with its own signatures (revocations, and the
 * direct-key signatures a v6 key needs), exactly one user ID for the address with its
 * self-signatures and self-revocations, and every subkey with its bindings and revocations. No
 * other user ID, no user attribute, no third-party signature. The fingerprint is unchanged.
 *
 * The user ID kept is the valid one with the newest self-signature; for a revoked key (whose user
 * IDs no longer verify), the one with the newest self-signature, so the revocation can be served.
 * Null when the key has no such user ID.
 */
export async function publishableKeyFor(key: Key, address: string, now: Date): Promise<PublicKey | null> {
  const wanted = asciiLower(address);
  const pub = key.toPublic();
  const matching = pub.users.filter((u) => u.userID && asciiLower(u.userID.email) === wanted);
  const valid = [];
  for (const user of matching) if (await isValid(user, now)) valid.push(user);
  const revoked = await pub.isRevoked(undefined, undefined, now);
  const candidates = valid.length ? valid : revoked ? matching : [];
  const chosen = candidates.sort((a, b) => newestSelfSignature(b) - newestSelfSignature(a))[0];
  if (!chosen?.userID) return null;
  const primaryKeyId = pub.getKeyID();
  const out = new PacketList();
  // Walk the packets in order: the key's own part, then user ID and attribute blocks, then subkey blocks.
  let block: 'key' | 'chosen' | 'other' | 'subkey' = 'key';
  for (const packet of pub.toPacketList()) {
    if (packet instanceof UserIDPacket) block = packet === chosen.userID ? 'chosen' : 'other';
    else if (packet instanceof UserAttributePacket) block = 'other';
    else if (packet instanceof PublicSubkeyPacket) block = 'subkey';
    if (block === 'other') continue;
    const thirdParty = packet instanceof SignaturePacket && !packet.issuerKeyID.equals(primaryKeyId);
    if (thirdParty && block !== 'subkey') continue;
    out.push(packet);
  }
  return new PublicKey(out);
}
