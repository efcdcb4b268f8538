import { config, enums, type Key, type SignaturePacket, type User } from 'openpgp';

/**
 * OpenPGP.js's policy, set explicitly in one place (the worker and Node tests import this before
 * any use) rather than left to library defaults that may change between versions.
 */
export const OPENPGP_POLICY = {
  /** Never decrypt a message without integrity protection (no MDC, no AEAD): EFAIL. */
  allowUnauthenticatedMessages: false,
  allowUnauthenticatedStream: false,
  /** Packet sequences must follow the RFC 9580 §10 grammar. */
  enforceGrammar: true,
  /** RSA under 2048 bits is refused (NIST SP 800-131A; RFC 9580 §12.4). */
  minRSABits: 2048,
  /** MD5 and RIPEMD-160 for any signature; SHA-1 too for message signatures (RFC 9580 §9.5). */
  rejectHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd]),
  rejectMessageHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd, enums.hash.sha1]),
  /** ElGamal and DSA (RFC 9580 §12.5, §12.6: deprecated, not to be used for new keys). */
  rejectPublicKeyAlgorithms: new Set([enums.publicKey.elgamal, enums.publicKey.dsa]),
  rejectCurves: new Set([enums.curve.secp256k1]),
  /** Decompression stops here (a compression bomb); the largest message the server accepts is 100 MiB. */
  maxDecompressedMessageSize: 128 * 1024 * 1024,
};

Object.assign(config, OPENPGP_POLICY);

/**
 * SHA-1 key signatures (self-signatures, bindings, certifications) made after this date are not
 * accepted: Sequoia's standard policy cut-off (SHA-1 collisions became practical; RFC 9580 forbids
 * SHA-1 for new signatures). Older ones still count, or every key made before 2016 would break.
 */
export const SHA1_KEY_SIGNATURE_CUTOFF = new Date('2023-02-01T00:00:00Z');

const lateSha1 = (signature: SignaturePacket | undefined) =>
  !!signature &&
  signature.hashAlgorithm === enums.hash.sha1 &&
  (signature.created?.getTime() ?? 0) >= SHA1_KEY_SIGNATURE_CUTOFF.getTime();

/** The signature made last, if any. */
export const newestSignature = (signatures: SignaturePacket[]) =>
  signatures.reduce<SignaturePacket | undefined>(
    (a, s) => (!a || (s.created?.getTime() ?? 0) > (a.created?.getTime() ?? 0) ? s : a),
    undefined,
  );

/** Why a user ID's self-signature does not count under the SHA-1 rule, or null. */
export function sha1UserIdProblem(user: User): string | null {
  return lateSha1(newestSignature(user.selfCertifications))
    ? 'its self-signature uses SHA-1 and was made after 2023-02-01'
    : null;
}

/** Whether `key`'s encryption-capable subkeys are all bound only by late SHA-1 signatures. */
export function sha1BindingProblem(key: Key): string | null {
  const subkeys = key.subkeys;
  if (subkeys.length && subkeys.every((s) => lateSha1(newestSignature(s.bindingSignatures)))) {
    return 'its subkey bindings use SHA-1 and were made after 2023-02-01';
  }
  return null;
}

/** Whether a certification may vouch for a key under the SHA-1 rule. */
export const certificationAcceptable = (certification: SignaturePacket) => !lateSha1(certification);
