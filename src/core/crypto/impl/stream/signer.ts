import { createSHA512 } from 'hash-wasm';
import { enums, type PrivateKey } from 'openpgp';
import { concatBytes, packet, uint32 } from './packets';

/**
 * A one-pass signed message's signature (RFC 9580 §5.4, §5.2.4) made while the data streams by:
 * the data is hashed in WebAssembly as it passes (SHA-512), the digest signed by WebCrypto's
 * Ed25519. OpenPGP.js stays in charge of choosing and checking the key; it cannot sign a digest
 * it did not compute, and hashing a stream in its JavaScript SHA-512 was half of the time.
 * Keys of other algorithms (RSA, ECDSA) get no StreamSigner: their messages take OpenPGP.js's path.
 */
export type StreamSigner = {
  /** The One-Pass Signature packet that goes before the literal data. */
  onePass: Uint8Array;
  /** Hash the literal data's content (not its packet framing); the next chunk waits for the promise. */
  update(data: Uint8Array): void | Promise<void>;
  /** The Signature packet that goes after the literal data. */
  finish(): Promise<Uint8Array>;
};

const SHA512 = enums.hash.sha512;
/** Signature types (RFC 9580 §5.2.1): a binary document, or canonical text (lines ending CRLF). */
export const SIGNATURE_TYPE = { binary: 0x00, text: 0x01 } as const;
const ED25519_LEGACY_OID = '2b06010401da470f01';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const base64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** An MPI (RFC 9580 §3.2): bit length, then the big-endian value without leading zero bytes. */
function mpi(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const v = value.subarray(start);
  const bits = v.length ? (v.length - 1) * 8 + (32 - Math.clz32(v[0]!)) : 0;
  return concatBytes(Uint8Array.of(bits >> 8, bits & 0xff), v);
}

type KeyPacketView = {
  version: number;
  algorithm: number;
  publicParams: { oid?: { write(): Uint8Array }; Q?: Uint8Array; A?: Uint8Array };
  privateParams: { seed?: Uint8Array } | null;
  getFingerprintBytes(): Uint8Array | null;
  getKeyID(): { write(): Uint8Array };
};

/** The Ed25519 public key and seed of a v4 EdDSALegacy or v6 Ed25519 signing key, else null. */
function ed25519Material(packetView: KeyPacketView): { publicKey: Uint8Array; seed: Uint8Array } | null {
  const seed = packetView.privateParams?.seed;
  if (!seed || seed.length !== 32) return null;
  if (packetView.algorithm === enums.publicKey.ed25519 && packetView.publicParams.A?.length === 32)
    return { publicKey: packetView.publicParams.A, seed };
  const { oid, Q } = packetView.publicParams;
  if (
    packetView.algorithm === enums.publicKey.eddsaLegacy &&
    oid &&
    hex(oid.write()).endsWith(ED25519_LEGACY_OID) &&
    Q?.length === 33 &&
    Q[0] === 0x40
  )
    return { publicKey: Q.subarray(1), seed };
  return null;
}

/**
 * A signer for `key`'s valid signing (sub)key at `date`, or null when this path cannot sign with it.
 * A `text` signature hashes the data as given: the caller makes sure its line ends are all CRLF.
 * The signature packet alone is a detached signature (RFC 3156 §5).
 */
export async function streamSigner(
  key: PrivateKey,
  date: Date,
  type: keyof typeof SIGNATURE_TYPE = 'binary',
): Promise<StreamSigner | null> {
  const signing = await key.getSigningKey(undefined, date);
  const keyPacket = signing.keyPacket as unknown as KeyPacketView;
  const material = ed25519Material(keyPacket);
  if (!material) return null;
  const cryptoKey = await globalThis.crypto.subtle.importKey(
    'jwk',
    { kty: 'OKP', crv: 'Ed25519', x: base64url(material.publicKey), d: base64url(material.seed) },
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  const v6 = keyPacket.version === 6;
  const signatureType = SIGNATURE_TYPE[type];
  const fingerprint = keyPacket.getFingerprintBytes()!;
  const algorithm = keyPacket.algorithm;
  // v6 signatures are salted (RFC 9580 §5.2.3): 32 random bytes for SHA-512, hashed first.
  const salt = v6 ? globalThis.crypto.getRandomValues(new Uint8Array(32)) : null;
  const hasher = await createSHA512();
  hasher.init();
  if (salt) hasher.update(salt);

  const onePass = v6
    ? packet(
        4,
        concatBytes(
          Uint8Array.of(6, signatureType, SHA512, algorithm, salt!.length),
          salt!,
          fingerprint,
          Uint8Array.of(1),
        ),
      )
    : packet(
        4,
        concatBytes(Uint8Array.of(3, signatureType, SHA512, algorithm), keyPacket.getKeyID().write(), Uint8Array.of(1)),
      );

  return {
    onePass,
    update: (data) => void hasher.update(data),
    async finish() {
      const created = uint32(Math.floor(date.getTime() / 1000));
      // Hashed subpackets: creation time (critical), issuer fingerprint; v4 also names the key ID.
      const subpackets = concatBytes(
        Uint8Array.of(5, 0x80 | 2),
        created,
        ...(v6 ? [] : [Uint8Array.of(9, 16), keyPacket.getKeyID().write()]),
        Uint8Array.of(fingerprint.length + 2, 33, keyPacket.version),
        fingerprint,
      );
      const hashedPart = v6
        ? concatBytes(Uint8Array.of(6, signatureType, algorithm, SHA512), uint32(subpackets.length), subpackets)
        : concatBytes(
            Uint8Array.of(4, signatureType, algorithm, SHA512, subpackets.length >> 8, subpackets.length & 0xff),
            subpackets,
          );
      hasher.update(hashedPart);
      hasher.update(concatBytes(Uint8Array.of(keyPacket.version, 0xff), uint32(hashedPart.length)));
      const digest = hasher.digest('binary');
      const signature = new Uint8Array(
        await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, cryptoKey, digest as Uint8Array<ArrayBuffer>),
      );
      const unhashed = v6 ? uint32(0) : Uint8Array.of(0, 0);
      const material = v6
        ? concatBytes(Uint8Array.of(salt!.length), salt!, signature)
        : concatBytes(mpi(signature.subarray(0, 32)), mpi(signature.subarray(32)));
      return packet(2, concatBytes(hashedPart, unhashed, digest.subarray(0, 2), material));
    },
  };
}

/**
 * Whether every line end in a stream is CRLF: then a text signature's canonical form (RFC 9580
 * §5.2.1) is the bytes themselves, and hashing them as they pass is right.
 */
export class CrlfCheck {
  private ok = true;
  private last = -1;

  push(chunk: Uint8Array): void {
    if (!this.ok || !chunk.length) return;
    if (this.last === 13 && chunk[0] !== 10) this.ok = false;
    for (let i = chunk.indexOf(10); i >= 0 && this.ok; i = chunk.indexOf(10, i + 1))
      if ((i ? chunk[i - 1] : this.last) !== 13) this.ok = false;
    for (let i = chunk.indexOf(13); i >= 0 && i + 1 < chunk.length && this.ok; i = chunk.indexOf(13, i + 1))
      if (chunk[i + 1] !== 10) this.ok = false;
    this.last = chunk[chunk.length - 1]!;
  }

  /** After the last chunk. */
  allCrlf(): boolean {
    return this.ok && this.last !== 13;
  }
}
