import { enums, type Key, type Subkey, type SignaturePacket } from 'openpgp';
import type { Capability, KeySummary, SubkeyInfo, UserIdInfo } from '../types';
import { classifyOpenpgpError, openpgpErrorText } from './openpgp-errors';
import { newestSignature, sha1UserIdProblem } from './openpgp-config';

/** Features subpacket flag for SEIPDv2 (RFC 9580 §5.2.3.32). */
const SEIPD_V2_FEATURE = 0x08;

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const expiryIso = (e: Date | number | null) => (e instanceof Date ? iso(e) : null);

const ALGORITHM_NAMES: Partial<Record<string, string>> = {
  rsaEncryptSign: 'RSA',
  rsaEncrypt: 'RSA',
  rsaSign: 'RSA',
  dsa: 'DSA',
  elgamal: 'ElGamal',
  ecdsa: 'ECDSA',
  ecdh: 'ECDH',
  eddsaLegacy: 'EdDSA (legacy)',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
  aedh: 'AEDH',
  aedsa: 'AEDSA',
};

/** "RSA 3072", "EdDSA (legacy) ed25519Legacy", ... */
export function describeAlgorithm(info: { algorithm: string; bits?: number; curve?: string }): string {
  const name = ALGORITHM_NAMES[info.algorithm] ?? info.algorithm;
  if (info.bits) return `${name} ${info.bits}`;
  return info.curve ? `${name} ${info.curve}` : name;
}

/** Why an algorithm must not be used (RFC 9580 §12.7 and §9.5: no DSA, ElGamal, weak RSA), or null. */
export function weakAlgorithm(info: { algorithm: string; bits?: number; curve?: string }): string | null {
  if (info.algorithm === 'dsa' || info.algorithm === 'elgamal')
    return `${ALGORITHM_NAMES[info.algorithm]} keys are obsolete and not accepted`;
  if (info.algorithm.startsWith('rsa') && (info.bits ?? 0) < 2048)
    return `RSA ${info.bits ?? '?'} bits is too weak (at least 2048 bits are needed)`;
  if (info.curve === 'secp256k1') return 'The secp256k1 curve is not accepted';
  return null;
}

function capabilitiesOf(signature: SignaturePacket | undefined, isPrimary: boolean): Capability[] {
  const flags = signature?.keyFlags?.[0] ?? 0;
  const caps: Capability[] = [];
  if (flags & enums.keyFlags.certifyKeys || (isPrimary && !signature?.keyFlags)) caps.push('certify');
  if (flags & enums.keyFlags.signData) caps.push('sign');
  if (flags & (enums.keyFlags.encryptCommunication | enums.keyFlags.encryptStorage)) caps.push('encrypt');
  if (flags & enums.keyFlags.authentication) caps.push('authenticate');
  return caps;
}

const validity = (check: Promise<unknown>): Promise<'valid' | 'revoked' | 'expired' | 'invalid'> =>
  check.then(
    () => 'valid' as const,
    (e: unknown) => {
      const failure = classifyOpenpgpError(e);
      return failure === 'revoked' || failure === 'expired' ? failure : 'invalid';
    },
  );

async function subkeyInfo(subkey: Subkey, now: Date): Promise<SubkeyInfo> {
  const status = await validity(subkey.verify(now));
  let expires: Date | number | null = null;
  try {
    expires = await subkey.getExpirationTime(now);
  } catch {
    expires = null;
  }
  return {
    fingerprint: subkey.getFingerprint().toUpperCase(),
    algorithm: describeAlgorithm(subkey.getAlgorithmInfo()),
    created: iso(subkey.getCreationTime()),
    expires: expiryIso(expires),
    capabilities: capabilitiesOf(newestSignature(subkey.bindingSignatures), false),
    status,
  };
}

async function userIdInfos(key: Key, now: Date, primaryUserId: string | null): Promise<UserIdInfo[]> {
  const out: UserIdInfo[] = [];
  for (const user of key.users) {
    if (!user.userID) continue; // photo IDs are not shown or used
    let status = await validity(user.verify(now));
    if (status === 'valid' && sha1UserIdProblem(user)) status = 'invalid';
    out.push({
      userId: user.userID.userID,
      name: user.userID.name,
      email: user.userID.email,
      status,
      primary: user.userID.userID === primaryUserId,
    });
  }
  return out;
}

/** Everything the app shows and decides about a key, evaluated as of `now`. */
export async function summarizeKey(key: Key, now = new Date()): Promise<KeySummary> {
  // Verified once here; the self-signature also gives the primary key's flags below.
  const primary = await key.getPrimaryUser(now).catch(() => null);
  const primaryUserId = primary?.user.userID?.userID ?? null;
  let seipdV2 = Boolean((primary?.selfCertification.features?.[0] ?? 0) & SEIPD_V2_FEATURE);
  let status: KeySummary['status'] = 'valid';
  let statusDetail: string | null = null;
  try {
    await key.verifyPrimaryKey(now);
  } catch (e) {
    const failure = classifyOpenpgpError(e);
    if (failure === 'revoked') [status, statusDetail] = ['revoked', 'The key has been revoked by its owner.'];
    else if (failure === 'expired') [status, statusDetail] = ['expired', 'The key has expired.'];
    else [status, statusDetail] = ['invalid', `The key has no valid self-signature (${openpgpErrorText(e)}).`];
  }
  const canEncrypt =
    status === 'valid' &&
    (await key.getEncryptionKey(undefined, now).then(
      () => true,
      () => false,
    ));
  const canSign =
    status === 'valid' &&
    (await key.getSigningKey(undefined, now).then(
      () => true,
      () => false,
    ));
  if (status === 'valid' && !canEncrypt)
    [status, statusDetail] = ['no-encryption-subkey', 'The key has no valid encryption subkey.'];
  let expires: Date | number | null = null;
  try {
    expires = await key.getExpirationTime();
  } catch {
    expires = null;
  }
  const primarySig = primary?.selfCertification ?? newestSignature(key.users.flatMap((u) => u.selfCertifications));
  // v6 keys keep key flags and features in the direct-key signature (RFC 9580 §5.2.3.10);
  // `directSignatures` exists at runtime but is missing from OpenPGP.js's types.
  const direct = newestSignature((key as unknown as { directSignatures?: SignaturePacket[] }).directSignatures ?? []);
  const primaryCaps = capabilitiesOf(direct?.keyFlags ? direct : primarySig, true);
  if (direct?.features) seipdV2 = Boolean((direct.features[0] ?? 0) & SEIPD_V2_FEATURE);
  const subkeys = await Promise.all(key.subkeys.map((s) => subkeyInfo(s, now)));
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    version: key.keyPacket.version,
    kind: key.isPrivate() ? 'secret' : 'public',
    userIds: await userIdInfos(key, now, primaryUserId),
    primaryUserId,
    algorithm: describeAlgorithm(key.getAlgorithmInfo()),
    created: iso(key.getCreationTime()),
    expires: expiryIso(expires),
    status,
    statusDetail,
    canEncrypt,
    canSign,
    capabilities: primaryCaps,
    subkeys,
    seipdV2,
  };
}
