import { joinBytes } from '../../../bytes/join';
import { Rechunker, type ByteSink } from '../../../bytes/sink';

/** A new-format packet header (RFC 9580 §4.2.1) for a body of known length. */
export function packetHeader(tag: number, length: number): Uint8Array {
  if (length < 192) return Uint8Array.of(0xc0 | tag, length);
  if (length < 8384) {
    const l = length - 192;
    return Uint8Array.of(0xc0 | tag, (l >> 8) + 192, l & 0xff);
  }
  return Uint8Array.of(0xc0 | tag, 0xff, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

export const packet = (tag: number, body: Uint8Array): Uint8Array => concatBytes(packetHeader(tag, body.length), body);

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => joinBytes(parts);

export const uint32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

/** 2^20: each partial body is 1 MiB, within the RFC's 2^30 and well above its 512-byte first part. */
const PARTIAL_LOG2 = 20;

/**
 * A packet whose length is not known in advance, as partial body lengths (RFC 9580 §4.2.1.4):
 * 1 MiB parts, then the rest with an ordinary length.
 */
export class PartialPacket implements ByteSink {
  private readonly parts: Rechunker;
  private first = true;

  constructor(tag: number, out: ByteSink) {
    this.parts = new Rechunker(1 << PARTIAL_LOG2, async (piece, last) => {
      const header = last ? packetHeader(tag, piece.length) : Uint8Array.of(0xc0 | tag, 224 + PARTIAL_LOG2);
      // Only the first header carries the tag byte.
      await out.write(this.first ? header : header.subarray(1));
      this.first = false;
      await out.write(piece);
      if (last) await out.close();
    });
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.parts.write(chunk);
  }

  close(): Promise<void> {
    return this.parts.close();
  }
}
