/**
 * ASCII armor for large messages (RFC 9580 §6). OpenPGP.js armors through its generic stream
 * transform, which took more than half of the encryption time for a 10 MB message; this writes the
 * same format with the platform's base64 in large chunks.
 */

const CRC24_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
    table[i] = crc & 0xffffff;
  }
  return table;
})();

/** CRC-24 of RFC 9580 §6.1, a table lookup per byte. */
export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC24_TABLE[((crc >>> 16) ^ data[i]!) & 0xff]!) & 0xffffff;
  return crc;
}

const ALPHABET = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const LINE = 64;

/** Base64 as ASCII bytes, in lines of 64 characters each ended by CRLF. */
function base64Lines(bytes: Uint8Array): Uint8Array {
  const chars = Math.ceil(bytes.length / 3) * 4;
  const out = new Uint8Array(chars + 2 * Math.ceil(chars / LINE));
  let o = 0;
  let column = 0;
  const whole = bytes.length - (bytes.length % 3);
  let i = 0;
  for (; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET[n >>> 18]!;
    out[o++] = ALPHABET[(n >>> 12) & 63]!;
    out[o++] = ALPHABET[(n >>> 6) & 63]!;
    out[o++] = ALPHABET[n & 63]!;
    if ((column += 4) === LINE) {
      out[o++] = 13;
      out[o++] = 10;
      column = 0;
    }
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = ALPHABET[n >>> 18]!;
    out[o++] = ALPHABET[(n >>> 12) & 63]!;
    out[o++] = i + 1 < bytes.length ? ALPHABET[(n >>> 6) & 63]! : 61;
    out[o++] = 61;
    column += 4;
  }
  if (column) {
    out[o++] = 13;
    out[o++] = 10;
  }
  return out.subarray(0, o);
}

const ascii = (text: string) => new TextEncoder().encode(text);

/**
 * An armored OpenPGP message as ASCII bytes with CRLF line ends, ready to go into a MIME part as
 * it is (no string round trip for a large message). RFC 9580 forbids the CRC-24 line after a
 * SEIPDv2 packet; after SEIPDv1 it is written, as OpenPGP.js does, because GnuPG misreads some
 * unpadded armor without it (dev.gnupg.org T7071).
 */
export function armorMessage(bytes: Uint8Array, withChecksum: boolean): Uint8Array {
  const head = ascii('-----BEGIN PGP MESSAGE-----\r\n\r\n');
  const body = base64Lines(bytes);
  const crc = withChecksum ? crc24(bytes) : 0;
  const checksum = withChecksum
    ? ascii(`=${btoa(String.fromCharCode(crc >> 16, (crc >> 8) & 0xff, crc & 0xff))}\r\n`)
    : new Uint8Array();
  const tail = ascii('-----END PGP MESSAGE-----\r\n');
  const out = new Uint8Array(head.length + body.length + checksum.length + tail.length);
  let o = 0;
  for (const part of [head, body, checksum, tail]) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** A 7-bit string (a MIME payload) as bytes; a plain loop is several times faster than TextEncoder here for large text. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return new TextEncoder().encode(text);
    out[i] = code;
  }
  return out;
}
