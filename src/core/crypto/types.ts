import type { PayloadPart } from '../mime/payload-parts';
/** Plain data crossing the worker boundary: no OpenPGP.js objects, no secret key material. */

export type KeyAlgorithmChoice = 'curve25519-legacy' | 'rsa3072' | 'rsa4096' | 'curve25519-v6';

export type KeyValidity = 'valid' | 'expired' | 'revoked' | 'no-encryption-subkey' | 'invalid';

export type Capability = 'certify' | 'sign' | 'encrypt' | 'authenticate';

export type UserIdInfo = {
  userId: string;
  name: string;
  email: string;
  status: 'valid' | 'revoked' | 'expired' | 'invalid';
  primary: boolean;
};

export type SubkeyInfo = {
  fingerprint: string;
  algorithm: string;
  created: string;
  expires: string | null;
  capabilities: Capability[];
  status: 'valid' | 'expired' | 'revoked' | 'invalid';
};

/** What the main thread knows about a key: a reference, never its secret material. */
export type KeySummary = {
  /** Uppercase hex, no spaces (v4: 40, v6: 64 characters). */
  fingerprint: string;
  version: number;
  kind: 'public' | 'secret';
  userIds: UserIdInfo[];
  /** The primary user ID's text, or null when no user ID is valid. */
  primaryUserId: string | null;
  algorithm: string;
  created: string;
  /** ISO date, or null for keys that never expire. */
  expires: string | null;
  status: KeyValidity;
  /** Why the status is not `valid`, in words. */
  statusDetail: string | null;
  canEncrypt: boolean;
  canSign: boolean;
  /** What the primary key itself may do. */
  capabilities: Capability[];
  subkeys: SubkeyInfo[];
  /** Whether the key advertises SEIPDv2 (features flag 0x08). */
  seipdV2: boolean;
};

/** A key found in imported data, with its armored forms and why it cannot be stored, if so. */
export type InspectedKey = {
  summary: KeySummary;
  armoredPublic: string;
  /** Only for secret keys: armored as found (may be unprotected until a passphrase is set). */
  armoredSecret: string | null;
  /** For secret keys: every secret key packet is passphrase-encrypted. */
  secretProtected: boolean;
  sizeBytes: number;
  /** Why this key is refused, in words; null when it can be stored. */
  refusal: string | null;
};

export type GenerateKeyInput = {
  name: string;
  email: string;
  passphrase: string;
  algorithm: KeyAlgorithmChoice;
  /** Seconds until expiry; 0 = never. */
  expiresInSeconds: number;
};

export type GeneratedKey = {
  summary: KeySummary;
  armoredPublic: string;
  /** Passphrase-encrypted. */
  armoredSecret: string;
  revocationCertificate: string;
};

/** A key a directory returned for an address, reduced to that address's user ID. */
export type AddressKey = {
  summary: KeySummary;
  armoredPublic: string;
  usable: boolean;
  problem: string | null;
  vouched: boolean;
};
export type AddressKeys = { keys: AddressKey[]; rejected: { fingerprint: string; reason: string }[] };

/**
 * What one signature in a message says, checked against the keys given. `good`: it verifies with
 * `signer`'s key; `bad`: it does not, or it uses a refused algorithm (e.g. SHA-1); `no-key`: none
 * of the keys given made it. Who the signer is for the message (the From address, a pin) is
 * decided by the reader, not here.
 */
export type SignatureCheck = {
  /** The issuer key ID, 16 uppercase hex digits. */
  issuer: string;
  issuerFingerprint: string | null;
  created: string | null;
  hash: string;
  result: 'good' | 'bad' | 'no-key';
  problem: string | null;
  signer: { fingerprint: string; status: KeyValidity; addresses: string[] } | null;
};

export type OpenOptions = {
  /** Public keys (armored) whose signatures are checked. */
  verifyWith: string[];
  /** Decompression stops at this size: a compression bomb fails instead of filling memory. */
  maxDecompressedBytes: number;
};

/** The crypto operations; implemented with OpenPGP.js in the worker (or in-process for tests). */
export interface CryptoApi {
  generateKey(input: GenerateKeyInput): Promise<GeneratedKey>;
  /** Parse armored or binary data that may hold several public and secret keys. */
  inspectKeys(data: string | Uint8Array): Promise<InspectedKey[]>;
  /**
   * Keys in a directory answer (binary or armored) that carry a valid user ID for exactly `address`.
   * With `vouchingKey` (e.g. the key pinned before), each result says whether that key certifies it.
   */
  keysForAddress(data: string | Uint8Array, address: string, vouchingKey?: string): Promise<AddressKeys>;
  /**
   * Run the key checks of a look-up on a throw-away key until the engine has compiled them, so the
   * first recipients' keys are not checked by cold code (several times slower). For idle time.
   */
  warmUpKeyChecks(): Promise<void>;
  /**
   * Encrypt a MIME payload (CRLF text) to every recipient key, using the user ID that names the
   * address, and sign it with the unlocked key `signWith` when given (RFC 3156 §6.2, combined).
   * The payload streams through (attachments given as Blobs are read as it goes); `armored` is the
   * ASCII-armored message with CRLF line ends.
   */
  encryptPayload(input: {
    payload: string | PayloadPart[];
    recipients: { armoredPublic: string; address: string }[];
    signWith?: string;
  }): Promise<{ armored: Blob }>;
  /**
   * Key IDs (16 uppercase hex digits) an encrypted message (armored, or binary packets: its
   * session-key packets are enough) is addressed to; wildcard IDs are left out.
   */
  encryptedFor(message: string | Uint8Array): Promise<string[]>;
  /**
   * Decrypt a received message (armored or binary) with an unlocked key and check every signature
   * inside. Any integrity failure (no MDC, a modified MDC, a bad AEAD tag, broken packet grammar)
   * throws `crypto/integrity`; nothing decrypted is returned then.
   */
  openEncrypted(
    message: string | Uint8Array,
    options: OpenOptions,
  ): Promise<{ payload: Uint8Array; signatures: SignatureCheck[] }>;
  /** Check a detached signature (RFC 3156 §5) over exactly `data` (a Blob is read as a stream). */
  verifyDetached(data: Uint8Array | Blob, armoredSignature: string, verifyWith: string[]): Promise<SignatureCheck[]>;
  /** Check a cleartext-signed block; `text` is the signed text alone. */
  verifyCleartext(armored: string, verifyWith: string[]): Promise<{ text: string; signatures: SignatureCheck[] }>;
  /**
   * A detached text-mode signature over the exact payload, with the `micalg` of the hash used, and
   * the payload's bytes as signed (streamed from its parts for Ed25519 keys, never held whole).
   */
  signPayload(input: {
    payload: string | PayloadPart[];
    signWith: string;
  }): Promise<{ armoredSignature: string; hash: string; signed: Blob }>;
  /**
   * Autocrypt keydata (Autocrypt Level 1 §2.1.1): the binary key cut to five packets, the primary
   * key, the user ID for `address` and its self-signature, one encryption subkey and its binding.
   */
  autocryptKeydata(armoredPublic: string, address: string): Promise<Uint8Array>;
  /** Merge a newer copy of a key into the stored one (user IDs, subkeys, revocations, expiry). */
  mergeKeys(
    stored: { armoredPublic: string; armoredSecret: string | null },
    incoming: { armoredPublic: string; armoredSecret: string | null },
  ): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string | null }>;
  /** Passphrase-encrypt an unprotected secret key. */
  protectKey(armoredSecret: string, passphrase: string): Promise<string>;
  /** Decrypt a secret key and keep it in the worker for `ttlMs`; returns when it will be locked again. */
  unlockKey(
    armoredSecret: string,
    passphrase: string,
    ttlMs: number,
  ): Promise<{ fingerprint: string; lockedAt: number }>;
  lockKey(fingerprint: string): Promise<void>;
  lockAll(): Promise<void>;
  unlockedKeys(): Promise<string[]>;
  /** Add a user ID to an unlocked secret key; returns the updated key (secret part still encrypted). */
  addUserId(
    fingerprint: string,
    userId: { name: string; email: string },
    armoredSecret: string,
  ): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string }>;
  /**
   * Move an unlocked key's expiry (primary key and subkeys) to `expiresAt` with fresh
   * self-signatures merged into the stored key: same fingerprint, secret part still encrypted,
   * revocations and third-party certifications kept.
   */
  extendExpiry(
    fingerprint: string,
    expiresAt: string,
    armoredSecret: string,
  ): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string }>;
  /** Apply the key's own revocation certificate (made at generation); needs no passphrase. */
  applyRevocation(
    stored: { armoredPublic: string; armoredSecret: string | null },
    revocationCertificate: string,
  ): Promise<{ summary: KeySummary; armoredPublic: string; armoredSecret: string | null }>;
}

/** What only the worker's own modules use: a stream cannot go to the page and back. */
export type StreamingCryptoApi = {
  /**
   * `openEncrypted` as a stream, for large messages: the plaintext flows out as the armored
   * message (its bytes, from the BEGIN line on) flows in. Whatever `data` yields is unauthenticated
   * until it ends without an error (an integrity failure is its last read); `signatures` settles
   * once `data` has been read.
   */
  openEncryptedStream(
    armored: ReadableStream<Uint8Array>,
    options: OpenOptions,
  ): Promise<{ data: ReadableStream<Uint8Array>; signatures: Promise<SignatureCheck[]> }>;
};
