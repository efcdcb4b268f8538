import { createSHA1, type IHasher } from 'hash-wasm';
import { concatBytes, uint32 } from './packets';
import { Rechunker, type ByteSink } from '../../../bytes/sink';

/**
 * The bulk of an encrypted message — the Symmetrically Encrypted and Integrity Protected Data
 * packet's body (RFC 9580 §5.13) — on WebCrypto in large chunks. OpenPGP.js copies each buffer
 * between its stream stages and hashes the MDC in JavaScript, which made a 100 MB message take
 * 7× as long as gpg; AES runs natively here, SHA-1 in WebAssembly.
 */

export type SymmetricName = 'aes128' | 'aes192' | 'aes256';

const CIPHER_IDS: Record<SymmetricName, number> = { aes128: 7, aes192: 8, aes256: 9 };
const AEAD_GCM = 3;
const subtle = () => globalThis.crypto.subtle;
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const bytes = (b: ArrayBuffer | Uint8Array) => b as Uint8Array<ArrayBuffer>;

/** `out[i] = a[i] ^ b[i]` over `length` bytes, a word at a time when the views allow it. */
function xorInto(out: Uint8Array, a: Uint8Array, b: Uint8Array, length: number): void {
  let i = 0;
  if (out.byteOffset % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = length >>> 2;
    const o32 = new Uint32Array(out.buffer, out.byteOffset, words);
    const a32 = new Uint32Array(a.buffer, a.byteOffset, words);
    const b32 = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) o32[w] = a32[w]! ^ b32[w]!;
    i = words * 4;
  }
  for (; i < length; i++) out[i] = a[i]! ^ b[i]!;
}

/**
 * 256 KiB of plaintext per WebCrypto call (a multiple of the AES block): in Chromium, 1 MiB calls
 * ran at less than half the speed (the buffers no longer fit the cache).
 */
const V1_CHUNK = 1 << 18;

/**
 * Pieces finished strictly in order, while the caller goes on: a piece's native work runs while
 * the worker produces the next one. At most two pieces are in flight.
 */
class InOrder {
  private chain: Promise<void> = Promise.resolve();

  /** Queue `finish` after every earlier piece; resolves once the caller may produce the next piece. */
  async add(finish: () => Promise<void>, last: boolean): Promise<void> {
    const prior = this.chain;
    this.chain = prior.then(finish);
    // A failure surfaces at the next add (or here for the last piece); never as an unhandled rejection.
    this.chain.catch(() => {});
    await (last ? this.chain : prior);
  }
}

/**
 * SEIPDv1 (RFC 9580 §5.13.1): OpenPGP CFB with a zero IV over a random prefix, the data and the
 * MDC packet. CFB encryption is CBC encryption in disguise — with X_i = E(C_i), CBC over the
 * plaintext blocks with IV E(C_0) yields every X_i, and C_i = P_i ⊕ X_(i-1) — so one native
 * AES-CBC call encrypts a whole chunk (its padding block is dropped).
 */
class SeipdV1 implements ByteSink {
  private readonly chunks: Rechunker;
  private readonly queue = new InOrder();
  /** Two sets of buffers: one piece is encrypted while the next is copied in. */
  private readonly plains = [new Uint8Array(V1_CHUNK), new Uint8Array(V1_CHUNK)] as const;
  private readonly ciphers = [new Uint8Array(V1_CHUNK), new Uint8Array(V1_CHUNK)] as const;
  private turn: 0 | 1 = 0;

  private constructor(
    private readonly key: CryptoKey,
    private readonly mdc: IHasher,
    /** E(C_(i-1)): the keystream block for the next plaintext block. */
    private feedback: Uint8Array,
    private readonly out: ByteSink,
  ) {
    this.chunks = new Rechunker(V1_CHUNK, (piece, last) => this.encrypt(piece, last));
  }

  static async open(sessionKey: Uint8Array, out: ByteSink): Promise<SeipdV1> {
    // AES-128, -192 or -256 by the session key's length.
    const key = await subtle().importKey('raw', bytes(sessionKey), { name: 'AES-CBC' }, false, ['encrypt']);
    const zero = new Uint8Array(16);
    const e0 = new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: zero }, key, zero)).slice(0, 16);
    const mdc = await createSHA1();
    mdc.init();
    const stream = new SeipdV1(key, mdc, e0, out);
    await out.write(Uint8Array.of(1));
    const prefix = random(18);
    prefix.set(prefix.subarray(14, 16), 16);
    await stream.write(prefix);
    return stream;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.mdc.update(chunk);
    await this.chunks.write(chunk);
  }

  async close(): Promise<void> {
    const mdcHeader = Uint8Array.of(0xd3, 0x14);
    this.mdc.update(mdcHeader);
    await this.chunks.write(concatBytes(mdcHeader, this.mdc.digest('binary')));
    await this.chunks.close();
  }

  private encrypt(piece: Uint8Array, last: boolean): Promise<void> {
    this.turn = this.turn === 0 ? 1 : 0;
    const plain = this.plains[this.turn].subarray(0, piece.length);
    plain.set(piece);
    const cipher = this.ciphers[this.turn].subarray(0, piece.length);
    return this.queue.add(() => this.encryptCopy(plain, cipher, last), last);
  }

  private async encryptCopy(plain: Uint8Array, cipher: Uint8Array, last: boolean): Promise<void> {
    const length = plain.length;
    const whole = length - (length % 16);
    if (whole) {
      const chain = new Uint8Array(
        await subtle().encrypt(
          { name: 'AES-CBC', iv: bytes(this.feedback) },
          this.key,
          bytes(plain.subarray(0, whole)),
        ),
      );
      xorInto(cipher, plain, this.feedback, 16);
      xorInto(cipher.subarray(16), plain.subarray(16), chain, whole - 16);
      this.feedback = chain.slice(whole - 16, whole);
    }
    // Only the very last block may be short: CFB uses as much keystream as it needs.
    if (length > whole) xorInto(cipher.subarray(whole), plain.subarray(whole), this.feedback, length - whole);
    await this.out.write(cipher);
    if (last) await this.out.close();
  }
}

/** RFC 9580 §5.13.2 chunk size octet: 2^(12+6) = 256 KiB, OpenPGP.js's default. */
const V2_CHUNK_OCTET = 12;

/**
 * SEIPDv2 with AES-GCM (RFC 9580 §5.13.2): HKDF-SHA256 from the session key and a random salt
 * gives the message key and nonce prefix; each 256 KiB chunk is one native AES-GCM call with its
 * index in the nonce; a final tag authenticates the chunk count and total length.
 */
class SeipdV2 implements ByteSink {
  private readonly chunks: Rechunker;
  private readonly queue = new InOrder();
  private index = 0;
  private total = 0;

  private constructor(
    private readonly key: CryptoKey,
    private readonly noncePrefix: Uint8Array,
    private readonly info: Uint8Array,
    private readonly out: ByteSink,
  ) {
    this.chunks = new Rechunker(1 << (V2_CHUNK_OCTET + 6), (piece, last) => this.encrypt(piece, last));
  }

  static async open(algorithm: SymmetricName, sessionKey: Uint8Array, out: ByteSink): Promise<SeipdV2> {
    const info = Uint8Array.of(0xc0 | 18, 2, CIPHER_IDS[algorithm], AEAD_GCM, V2_CHUNK_OCTET);
    const salt = random(32);
    const ikm = await subtle().importKey('raw', bytes(sessionKey), 'HKDF', false, ['deriveBits']);
    const keyLength = sessionKey.length;
    const derived = new Uint8Array(
      await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: bytes(info) }, ikm, (keyLength + 4) * 8),
    );
    const key = await subtle().importKey('raw', derived.subarray(0, keyLength), { name: 'AES-GCM' }, false, [
      'encrypt',
    ]);
    await out.write(concatBytes(info.subarray(1), salt));
    return new SeipdV2(key, derived.slice(keyLength), info, out);
  }

  write(chunk: Uint8Array): Promise<void> {
    this.total += chunk.length;
    return this.chunks.write(chunk);
  }

  close(): Promise<void> {
    return this.chunks.close();
  }

  /** 12 bytes: the 4-byte prefix, then the chunk index as 8 bytes big-endian. */
  private nonce(index: number): Uint8Array<ArrayBuffer> {
    const high = uint32(Math.floor(index / 2 ** 32));
    return concatBytes(this.noncePrefix, high, uint32(index >>> 0)) as Uint8Array<ArrayBuffer>;
  }

  private seal(data: Uint8Array, additionalData: Uint8Array): Promise<ArrayBuffer> {
    const nonce = this.nonce(this.index++);
    const sealed = subtle().encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: bytes(additionalData), tagLength: 128 },
      this.key,
      bytes(data),
    );
    // Awaited in order below; marked handled now so a failure is not reported twice.
    sealed.catch(() => {});
    return sealed;
  }

  private encrypt(piece: Uint8Array, last: boolean): Promise<void> {
    // WebCrypto copies the piece when called: the chunk is sealed while the next one is produced.
    const sealed = piece.length || this.index === 0 ? this.seal(piece, this.info) : null;
    const finalTag = last
      ? this.seal(
          new Uint8Array(0),
          concatBytes(this.info, uint32(Math.floor(this.total / 2 ** 32)), uint32(this.total >>> 0)),
        )
      : null;
    return this.queue.add(async () => {
      if (sealed) await this.out.write(new Uint8Array(await sealed));
      if (!finalTag) return;
      await this.out.write(new Uint8Array(await finalTag));
      await this.out.close();
    }, last);
  }
}

/** The encrypting stage: SEIPDv2 when the session key names an AEAD algorithm, else SEIPDv1. */
export function openSeipd(
  sessionKey: { data: Uint8Array; algorithm: SymmetricName; aeadAlgorithm?: string },
  out: ByteSink,
): Promise<ByteSink> {
  if (sessionKey.aeadAlgorithm && sessionKey.aeadAlgorithm !== 'gcm')
    throw new Error(`AEAD ${sessionKey.aeadAlgorithm} is not used for sending`);
  return sessionKey.aeadAlgorithm
    ? SeipdV2.open(sessionKey.algorithm, sessionKey.data, out)
    : SeipdV1.open(sessionKey.data, out);
}
