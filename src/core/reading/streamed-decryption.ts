import type { SignatureCheck, StreamingCryptoApi } from '../crypto/types';
import { AppError, isAppError } from '../errors/app-error';
import { joinBytes } from '../bytes/join';
import { BlobSink } from '../bytes/sink';
import { decodeBase64 } from '../mime/base64';
import { Base64BlobSink, type BodySink, MimeSkeleton, type StreamedLeaf, type TakenBody } from './mime-stream';
import { header } from './mime-tree';
import type { OpenMessageOptions } from './open-message';

const BEGIN = '-----BEGIN PGP MESSAGE-----';
const latin1 = new TextDecoder('latin1');
const IDENTITY_ENCODINGS = new Set(['', '7bit', '8bit', 'binary']);
/**
 * Each pull of the decryption reads at least this much armor ahead: OpenPGP.js's stream stages
 * cost per pull, and a download arrives in pieces of a few KiB.
 */
const ARMOR_PIECE = 256 * 1024;
/** A signed part goes into Blobs this size: few Blob calls, little held in the worker. */
const SIGNED_PIECE = 4 * 1024 * 1024;

/**
 * A random word for each body taken out: the sender, who wrote the rest, cannot name it. It is
 * base64 of FILE_STAND_BYTES random bytes, so a MIME library reading the skeleton decodes a taken
 * file to those bytes (`fileStandOf` finds the file again).
 */
const standIn = () => {
  const nonce = crypto.getRandomValues(new Uint8Array(FILE_STAND_BYTES));
  return btoa(String.fromCharCode(...nonce));
};
const FILE_STAND_BYTES = 24;

/** The stand-in a MIME library's decoding of a taken file's body came from, or null. */
export const fileStandOf = (decoded: Uint8Array): string | null =>
  decoded.length === FILE_STAND_BYTES ? btoa(String.fromCharCode(...decoded)) : null;

/** The armored part of a PGP/MIME message (RFC 3156 §4): the second part of a root multipart/encrypted. */
const isArmorPart = (leaf: StreamedLeaf) =>
  leaf.index === 1 &&
  leaf.parents.length === 1 &&
  leaf.parents[0]!.type === 'multipart/encrypted' &&
  leaf.parents[0]!.params.protocol?.toLowerCase() === 'application/pgp-encrypted' &&
  IDENTITY_ENCODINGS.has((header(leaf, 'content-transfer-encoding') ?? '').toLowerCase().trim());

/**
 * The armored body's bytes, from `-----BEGIN PGP MESSAGE-----` on (what comes before is not the
 * message, as the whole-message reader's search for the armor skips it; the armor ends at its END
 * line), for a stream to pull.
 */
class ArmorFeed implements BodySink {
  readonly queue: Uint8Array[] = [];
  queued = 0;
  closed = false;
  began = false;
  /** The end of what came before BEGIN: enough to find a BEGIN cut in two. */
  private before = new Uint8Array(0);

  write(bytes: Uint8Array): void {
    if (this.began) {
      this.push(bytes);
      return;
    }
    const seen = joinBytes([this.before, bytes]);
    // Latin-1 gives one character per byte: the text's index is the byte's.
    const at = latin1.decode(seen).indexOf(BEGIN);
    if (at < 0) {
      this.before = seen.slice(Math.max(0, seen.length - (BEGIN.length - 1)));
      return;
    }
    this.began = true;
    this.before = new Uint8Array(0);
    this.push(seen.subarray(at));
  }

  /** All that is queued, in the pieces it came in: joining them cost more than passing them on. */
  take(): Uint8Array[] {
    this.queued = 0;
    return this.queue.splice(0);
  }

  private push(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queued += bytes.length;
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Takes out the base64 file bodies of a skeleton, decoded into Blobs as they arrive, each known by
 * its stand-in in `files`. Bodies a signature covers (inside a multipart/signed) stay, and so do the
 * parts of a multipart/encrypted, which are shown as they came; with `signedRootCaptured`, the
 * root's signed part has its exact bytes kept elsewhere, so only its signature part stays.
 */
function fileTaker(files: Map<string, Blob>, signedRootCaptured: () => boolean = () => false) {
  return (leaf: StreamedLeaf): TakenBody | null => {
    const captured = signedRootCaptured();
    if (captured && leaf.parents.length === 1 && leaf.index === 1) return null; // the signature
    const around = captured ? leaf.parents.slice(1) : leaf.parents;
    if (!isBase64File(leaf) || around.some((p) => KEPT_WHOLE.has(p.type))) return null;
    const sink = new Base64BlobSink();
    const stand = standIn();
    return {
      stand,
      sink: {
        write: (bytes) => sink.write(bytes),
        close: () => {
          sink.close();
          files.set(stand, sink.result());
        },
      },
    };
  };
}
const KEPT_WHOLE = new Set(['multipart/signed', 'multipart/encrypted']);

/** The root is PGP/MIME signed (RFC 3156 §5), as far as its header says. */
const isSignedRoot = (root: StreamedLeaf) =>
  root.type === 'multipart/signed' && root.params.protocol?.toLowerCase() === 'application/pgp-signature';

/**
 * A raw message read through a skeleton, with the armored part of a PGP/MIME message fed out
 * and, with `files`, the base64 file bodies taken out; the signed part of a PGP/MIME signed
 * message then goes into `signedPart` as it came, for its signature.
 */
class OuterReader {
  armor: ArmorFeed | null = null;
  readonly stand = standIn();
  readonly skeleton: MimeSkeleton;
  signedPart: BlobSink | null = null;
  done = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(stream: ReadableStream<Uint8Array>, feedArmor: boolean, files: Map<string, Blob> | null) {
    this.reader = stream.getReader();
    const takeFile = files ? fileTaker(files, () => this.skeleton.capturing) : () => null;
    this.skeleton = new MimeSkeleton(
      (leaf) => {
        if (!feedArmor || !isArmorPart(leaf)) return takeFile(leaf);
        this.armor = new ArmorFeed();
        return { sink: this.armor, stand: this.stand };
      },
      (root) => (files && isSignedRoot(root) ? (this.signedPart = new BlobSink(SIGNED_PIECE)) : null),
    );
  }

  /** The download broke off: a network failure, not anything about the message. */
  failure: AppError | null = null;

  async pump(): Promise<void> {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await this.reader.read();
    } catch (cause) {
      this.done = true;
      this.failure ??= new AppError('jmap/unreachable', 'Download: the connection broke off', { cause });
      throw this.failure;
    }
    if (next.done) this.done = true;
    else this.skeleton.write(next.value);
  }

  /** Read until the armored part starts (then `armor` is set) or the message ends. */
  async untilArmor(): Promise<ArmorFeed | null> {
    while (!this.done && !this.armor) await this.pump();
    return this.armor;
  }

  async drain(): Promise<void> {
    while (!this.done) await this.pump();
  }

  cancel(): Promise<void> {
    this.done = true;
    return this.reader.cancel().catch(() => undefined);
  }

  /** The armor as a stream the decryption pulls: each pull reads only as much of the message as it needs. */
  armorStream(): ReadableStream<Uint8Array> {
    const armor = this.armor!;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (armor.queued < ARMOR_PIECE && !armor.closed && !this.done) await this.pump();
          if (armor.queue.length) for (const piece of armor.take()) controller.enqueue(piece);
          else controller.close();
        },
        cancel: () => undefined, // the rest of the message is still read for its skeleton
      },
      { highWaterMark: 0 },
    );
  }
}

/** The exact bytes of a signed part (line ends CRLF), and where the part sits in the skeleton. */
export type SignedPart = { bytes: Blob; start: number; end: number };

export type StreamedOpening =
  /**
   * Nothing decrypted: the message's skeleton, the files taken out of it and, of a PGP/MIME
   * signed message, its signed part.
   */
  | { kind: 'undecrypted'; skeleton: Uint8Array; files: Map<string, Blob>; signedPart: SignedPart | null }
  /** Decrypted: the outer skeleton (the armor replaced by `stand`), the payload's skeleton, its files. */
  | {
      kind: 'opened';
      outer: Uint8Array;
      stand: string;
      payload: Uint8Array;
      files: Map<string, Blob>;
      signatures: SignatureCheck[];
    }
  /** Decryption failed: the outer skeleton, and why. */
  | { kind: 'failed'; outer: Uint8Array; stand: string; problem: string };

/**
 * Read a message as it downloads, its base64 file bodies decoded into Blobs as they arrive and
 * never held whole (inside a multipart/signed only when that is the message's root: its signed
 * part's exact bytes are then kept apart for the signature). When it is a PGP/MIME encrypted message (and may
 * be decrypted), its armor is decrypted as it arrives, and the same is done to the payload. Nothing of the payload is returned unless it
 * decrypted and passed its integrity check in full. The caller checks that the skeleton is
 * PGP/MIME as parseEntity sees it.
 */
export async function openStreamed(
  stream: ReadableStream<Uint8Array>,
  crypto: StreamingCryptoApi,
  options: OpenMessageOptions,
): Promise<StreamedOpening> {
  const outerFiles = new Map<string, Blob>();
  const outer = new OuterReader(stream, !options.cannotDecrypt, outerFiles);
  const armor = await outer.untilArmor();
  if (!armor) {
    const skeleton = outer.skeleton.end();
    const place = outer.skeleton.captured;
    return {
      kind: 'undecrypted',
      skeleton,
      files: outerFiles,
      signedPart: place && outer.signedPart ? { bytes: outer.signedPart.result(), ...place } : null,
    };
  }

  const files = new Map<string, Blob>();
  const payload = new MimeSkeleton(fileTaker(files));
  let signatures: SignatureCheck[];
  try {
    const opened = await crypto.openEncryptedStream(outer.armorStream(), {
      verifyWith: options.verifyWith,
      maxDecompressedBytes: options.maxDecompressedBytes,
    });
    const plaintext = opened.data.getReader();
    for (;;) {
      const { value, done } = await plaintext.read();
      if (done) break;
      payload.write(value);
    }
    signatures = await opened.signatures;
  } catch (e) {
    if (isAppError(e, 'crypto/key-locked')) {
      await outer.cancel();
      throw e;
    }
    if (outer.failure) throw outer.failure;
    await outer.drain();
    const problem = !armor.began
      ? 'The encrypted part holds no OpenPGP message.'
      : isAppError(e)
        ? (e.detail ?? e.message)
        : String(e);
    return { kind: 'failed', outer: outer.skeleton.end(), stand: outer.stand, problem };
  }
  await outer.drain();
  if (outer.failure) throw outer.failure;
  return {
    kind: 'opened',
    outer: outer.skeleton.end(),
    stand: outer.stand,
    payload: payload.end(),
    files,
    signatures,
  };
}

/** The leaves the reader shows as files and decodes from base64 (see open-message's `leaf`). */
function isBase64File(leaf: StreamedLeaf): boolean {
  const disposition = header(leaf, 'content-disposition')?.toLowerCase() ?? '';
  const textual = leaf.type === 'text/plain' || leaf.type === 'text/html';
  const isFile = disposition.startsWith('attachment') || !textual;
  return isFile && header(leaf, 'content-transfer-encoding')?.toLowerCase().trim() === 'base64';
}

/** Enough armor for the session-key packets of any plausible number of recipients. */
const KEY_ID_ARMOR = 64 * 1024;

/**
 * Whether a message whose root entity is this may hold a root ciphertext: PGP/MIME (a
 * multipart/encrypted), or whole-body inline OpenPGP (a text/plain that is no attachment).
 */
const mayBeEncrypted = (root: StreamedLeaf) =>
  root.type === 'multipart/encrypted' ||
  (root.type === 'text/plain' && !/^attachment/i.test(header(root, 'content-disposition') ?? ''));

/**
 * The binary packets at the head of a PGP/MIME message's armor that say who it is for (PKESK and
 * SKESK, RFC 9580 §5.1, §5.3), read from as little of the download as holds them. None when the
 * root's header says it holds no root ciphertext; `whole` when the message had to be read to its
 * end to know (then it has the entire message).
 */
export async function sessionKeyPackets(
  stream: ReadableStream<Uint8Array>,
): Promise<{ packets: Uint8Array } | { whole: Uint8Array }> {
  const outer = new OuterReader(stream, true, null);
  for (;;) {
    const root = outer.skeleton.root;
    if (root && !mayBeEncrypted(root)) {
      await outer.cancel();
      return { packets: new Uint8Array(0) };
    }
    if (outer.done || outer.armor) break;
    await outer.pump();
  }
  const armor = outer.armor;
  if (!armor) return { whole: outer.skeleton.end() };
  let text = '';
  while (text.length < KEY_ID_ARMOR) {
    if (armor.queue.length) text += latin1.decode(joinBytes(armor.take()));
    else if (armor.closed || outer.done) break;
    else await outer.pump();
  }
  await outer.cancel();
  return { packets: leadingSessionKeyPackets(dearmorPrefix(text)) };
}

/** The binary of the armor's complete base64 lines (RFC 9580 §6.2), up to the checksum or END line. */
function dearmorPrefix(armored: string): Uint8Array {
  const lines = armored.split(/\r?\n/);
  lines.pop(); // it may be cut short
  const blank = lines.findIndex((l) => l.trim() === '');
  const body: string[] = [];
  for (const line of lines.slice(blank < 0 ? 1 : blank + 1)) {
    if (line.startsWith('=') || line.startsWith('-----')) break;
    body.push(line.trim());
  }
  return decodeBase64(body.join(''));
}

/** The complete PKESK and SKESK packets at the start of `binary`. */
function leadingSessionKeyPackets(binary: Uint8Array): Uint8Array {
  let at = 0;
  for (;;) {
    const packet = packetAt(binary, at);
    if (!packet || (packet.tag !== 1 && packet.tag !== 3)) return binary.slice(0, at);
    at = packet.end;
  }
}

/** The packet header at `at` (RFC 9580 §4.2): its tag and where the packet ends; null when cut or streamed. */
function packetAt(b: Uint8Array, at: number): { tag: number; end: number } | null {
  const first = b[at];
  if (first === undefined || !(first & 0x80)) return null;
  let tag: number;
  let length: number;
  let bodyStart: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l0 = b[at + 1];
    if (l0 === undefined) return null;
    if (l0 < 192) [length, bodyStart] = [l0, at + 2];
    else if (l0 < 224) {
      if (b[at + 2] === undefined) return null;
      [length, bodyStart] = [((l0 - 192) << 8) + b[at + 2]! + 192, at + 3];
    } else if (l0 === 255) {
      if (at + 6 > b.length) return null;
      [length, bodyStart] = [new DataView(b.buffer, b.byteOffset + at + 2, 4).getUint32(0), at + 6];
    } else return null; // a partial length: a data packet, not a session key
  } else {
    tag = (first >> 2) & 0x0f;
    const size = [1, 2, 4][first & 0x03];
    if (size === undefined || at + 1 + size > b.length) return null;
    length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + b[at + 1 + i]!;
    bodyStart = at + 1 + size;
  }
  const end = bodyStart + length;
  return end <= b.length ? { tag, end } : null;
}
