const ALPHABET = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/**
 * Two characters per 12 bits, as one 16-bit store: half the lookups and writes. The output keeps
 * 16-bit alignment (groups of 4, line ends of 2), so this needs only a little-endian platform.
 */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const PAIRS = Uint16Array.from({ length: 4096 }, (_, n) => ALPHABET[n >>> 6]! | (ALPHABET[n & 63]! << 8));
const CRLF16 = 13 | (10 << 8);

/**
 * Base64 into ASCII bytes in lines of `lineLength` characters separated by CRLF, fed in pieces of
 * any size: a MIME body part (76, RFC 2045 §6.8) or OpenPGP armor (64) is written straight into
 * byte buffers, never held whole as a string. Lines are separated, not ended: no CRLF after the
 * last one, as a MIME part's body is followed by the CRLF of the next boundary.
 */
export class Base64Lines {
  private readonly carry = new Uint8Array(3);
  private carried = 0;
  /** Characters on the current line. */
  private column = 0;
  private output = new Uint8Array(0);

  constructor(private readonly lineLength: number) {
    if (lineLength % 4 !== 0) throw new Error('Base64 line length must be a multiple of 4');
  }

  /**
   * The encoding of `bytes` so far, valid until the next call (the buffer is reused); up to two
   * bytes wait for the next call or `end()`.
   */
  push(bytes: Uint8Array): Uint8Array {
    let input = bytes;
    let head: Uint8Array | null = null;
    if (this.carried) {
      const need = 3 - this.carried;
      if (bytes.length < need) {
        this.carry.set(bytes, this.carried);
        this.carried += bytes.length;
        return new Uint8Array(0);
      }
      this.carry.set(bytes.subarray(0, need), this.carried);
      head = this.carry.slice();
      this.carried = 0;
      input = bytes.subarray(need);
    }
    const whole = input.length - (input.length % 3);
    const chars = (whole / 3 + (head ? 1 : 0)) * 4;
    const needed = chars + 2 * Math.ceil(chars / this.lineLength + 1);
    if (this.output.length < needed) this.output = new Uint8Array(needed);
    const out = this.output;
    let o = 0;
    if (head) o = this.encode(head, 0, 3, out, 0);
    o = this.encode(input, 0, whole, out, o);
    if (input.length > whole) {
      this.carry.set(input.subarray(whole));
      this.carried = input.length - whole;
    }
    return out.subarray(0, o);
  }

  /** The last characters, with `=` padding. */
  end(): Uint8Array {
    const out = new Uint8Array(6);
    let o = 0;
    if (this.carried) {
      if (this.column === this.lineLength) {
        out[o++] = 13;
        out[o++] = 10;
        this.column = 0;
      }
      const b = this.carry;
      const n = (b[0]! << 16) | ((this.carried > 1 ? b[1]! : 0) << 8);
      out[o++] = ALPHABET[n >>> 18]!;
      out[o++] = ALPHABET[(n >>> 12) & 63]!;
      out[o++] = this.carried > 1 ? ALPHABET[(n >>> 6) & 63]! : 61;
      out[o++] = 61;
      this.column += 4;
      this.carried = 0;
    }
    return out.subarray(0, o);
  }

  private wide: Uint16Array | null = null;

  private wideView(out: Uint8Array): Uint16Array {
    if (this.wide?.buffer !== out.buffer) this.wide = new Uint16Array(out.buffer, out.byteOffset, out.length >> 1);
    return this.wide;
  }

  /** Whole groups of `input[from, to)` into `out` at `o`, a line at a time; returns the new `o`. */
  private encode(input: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
    const lineLength = this.lineLength;
    const wide = LITTLE_ENDIAN && out.byteOffset % 2 === 0 && o % 2 === 0 ? this.wideView(out) : null;
    let column = this.column;
    let i = from;
    while (i < to) {
      if (column === lineLength) {
        if (wide) wide[o >> 1] = CRLF16;
        else {
          out[o] = 13;
          out[o + 1] = 10;
        }
        o += 2;
        column = 0;
      }
      const groups = Math.min((lineLength - column) / 4, (to - i) / 3);
      const end = i + groups * 3;
      if (wide) {
        let w = o >> 1;
        for (; i < end; i += 3) {
          const n = (input[i]! << 16) | (input[i + 1]! << 8) | input[i + 2]!;
          wide[w] = PAIRS[n >>> 12]!;
          wide[w + 1] = PAIRS[n & 4095]!;
          w += 2;
        }
        o = w << 1;
      }
      for (; i < end; i += 3) {
        const n = (input[i]! << 16) | (input[i + 1]! << 8) | input[i + 2]!;
        out[o] = ALPHABET[n >>> 18]!;
        out[o + 1] = ALPHABET[(n >>> 12) & 63]!;
        out[o + 2] = ALPHABET[(n >>> 6) & 63]!;
        out[o + 3] = ALPHABET[n & 63]!;
        o += 4;
      }
      column += groups * 4;
    }
    this.column = column;
    return o;
  }
}
