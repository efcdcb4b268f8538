import { BASE64_DIGITS } from '../../bytes/base64-digits';
import { Base64Lines } from '../../bytes/base64-lines';
import { BlobSink, type ByteSink } from '../../bytes/sink';

/**
 * ASCII armor for large messages (RFC 9580 §6), streamed: OpenPGP.js armors through its generic
 * stream transform, which took more than half of the encryption time for a 10 MB message; this
 * writes the same format into byte buffers as the binary message passes.
 */

/**
 * CRC-24 tables for eight bytes per step ("slicing by 8"): the 24-bit register is kept in the top
 * of a 32-bit word, TABLES[k][b] is byte b pushed through k + 1 bytes of the polynomial. The bytes
 * are read as two 32-bit words: at 34 MB this took 21–33 ms in Chromium 156, four bytes a step
 * read one by one 116–170 ms, then the most of the armor's time.
 */
const CRC24_TABLES = (() => {
  const poly = 0x864cfb00;
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ poly : r << 1;
    tables[0]![i] = r >>> 0;
  }
  for (let k = 1; k < 8; k++)
    for (let i = 0; i < 256; i++) {
      const prev = tables[k - 1]![i]!;
      tables[k]![i] = ((prev << 8) ^ tables[0]![prev >>> 24]!) >>> 0;
    }
  return tables;
})();

type Tables8 = [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

const CRC24_INIT = 0xb704ce;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** CRC-24 of RFC 9580 §6.1 continued over `data`. */
function crc24Update(crc: number, data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC24_TABLES as Uint32Array[] as Tables8;
  let r = crc << 8;
  let i = 0;
  if (LITTLE_ENDIAN) {
    for (; i < data.length && (data.byteOffset + i) % 4 !== 0; i++) r = (r << 8) ^ t0[((r >>> 24) ^ data[i]!) & 0xff]!;
    const pairs = (data.length - i) >>> 3;
    if (pairs) {
      const words = new Uint32Array(data.buffer, data.byteOffset + i, pairs * 2);
      for (let w = 0; w < words.length; w += 2) {
        const a = words[w]!;
        const b = words[w + 1]!;
        // `a` holds the next four bytes in memory order, the first one lowest.
        r ^= ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24);
        r =
          t7[r >>> 24]! ^
          t6[(r >>> 16) & 0xff]! ^
          t5[(r >>> 8) & 0xff]! ^
          t4[r & 0xff]! ^
          t3[b & 0xff]! ^
          t2[(b >>> 8) & 0xff]! ^
          t1[(b >>> 16) & 0xff]! ^
          t0[b >>> 24]!;
      }
    }
    i += pairs * 8;
  }
  for (; i < data.length; i++) r = (r << 8) ^ t0[((r >>> 24) ^ data[i]!) & 0xff]!;
  return (r >>> 8) & 0xffffff;
}

export const crc24 = (data: Uint8Array): number => crc24Update(CRC24_INIT, data);

const ascii = (text: string) => new TextEncoder().encode(text);

/**
 * Armors a binary OpenPGP message written in pieces: ASCII bytes with CRLF line ends, ready to go
 * into a MIME part as they are. RFC 9580 forbids the CRC-24 line after a SEIPDv2 packet; after
 * SEIPDv1 it is written, as OpenPGP.js does, because GnuPG misreads some unpadded armor without it
 * (dev.gnupg.org T7071).
 */
export class ArmorSink implements ByteSink {
  private readonly lines = new Base64Lines(64);
  private crc = CRC24_INIT;
  private started = false;
  private any = false;

  constructor(
    private readonly out: ByteSink,
    private readonly withChecksum: boolean,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.out.write(ascii('-----BEGIN PGP MESSAGE-----\r\n\r\n'));
    }
    if (this.withChecksum) this.crc = crc24Update(this.crc, chunk);
    const text = this.lines.push(chunk);
    this.any ||= text.length > 0;
    await this.out.write(text);
  }

  async close(): Promise<void> {
    if (!this.started) await this.write(new Uint8Array(0));
    const last = this.lines.end();
    this.any ||= last.length > 0;
    await this.out.write(last);
    if (this.any) await this.out.write(ascii('\r\n'));
    if (this.withChecksum) {
      const c = this.crc;
      await this.out.write(ascii(`=${btoa(String.fromCharCode(c >> 16, (c >> 8) & 0xff, c & 0xff))}\r\n`));
    }
    await this.out.write(ascii('-----END PGP MESSAGE-----\r\n'));
    await this.out.close();
  }
}

/** A whole binary message armored at once (messages OpenPGP.js made in memory). */
export async function armorMessage(bytes: Uint8Array, withChecksum: boolean): Promise<Blob> {
  const output = new BlobSink();
  const armor = new ArmorSink(output, withChecksum);
  await armor.write(bytes);
  await armor.close();
  return output.result();
}

const EQUALS = 61;
const DASH = 45;
const LF = 10;
/** `^-----[^-]+-----$`: an armor line (BEGIN or END) as OpenPGP.js splits on it. */
const ARMOR_LINE = /^-----[^-]+-----$/;
const KNOWN_TYPE =
  /^-----BEGIN PGP (MESSAGE, PART \d+\/\d+|MESSAGE, PART \d+|SIGNED MESSAGE|MESSAGE|PUBLIC KEY BLOCK|PRIVATE KEY BLOCK|SIGNATURE)-----$/;
/** White space OpenPGP.js takes for an empty line between the armor headers and the data (as Latin-1). */
const BLANK_LINE = /^[ \f\r\t\u00a0]*$/;
/** The lines before the data, and the tail after its last plain line, are short in any real armor. */
const MAX_LINES_TEXT = 64 * 1024;

const latin1 = new TextDecoder('latin1');
const withoutTrailingSpace = (line: string) => line.replace(/[ \t\r]+$/, '');

/**
 * ASCII armor (RFC 9580 §6) back to binary as it streams in, read the way OpenPGP.js's `unarmor`
 * reads a message — the same lines accepted, the checksum ignored the same way, failing where it
 * fails — but on bytes: OpenPGP.js decodes through `atob` on strings, the largest single cost of
 * opening a 50 MB message (1.4 s of 8.8). Lines before `-----BEGIN PGP MESSAGE-----` are skipped;
 * armor headers end at a blank line; the data runs to the first `=` or `-`, from where the rest up
 * to the END line is read as one piece, a checksum dropped from it.
 */
export class Dearmor {
  private state: 'type' | 'headers' | 'data' | 'tail' | 'done' = 'type';
  /** Before the data: a line not yet ended. In the tail: all of it so far. */
  private text = '';
  /** The tail began at the start of a line (else its first line cannot be the END line). */
  private tailAtLineStart = true;
  /** Base64 digits of an incomplete group, and how many. */
  private group = 0;
  private digits = 0;

  /** The binary for `bytes`, in pieces. */
  push(bytes: Uint8Array): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    // Not decoded in place: the bytes may be the caller's. A view of the output, not a copy of it.
    const out = new Uint8Array(Math.ceil((bytes.length * 3) / 4) + 3);
    let o = 0;
    let at = 0;
    let last: Uint8Array | null = null;
    while (at < bytes.length && this.state !== 'done') {
      if (this.state === 'data') {
        ({ at, o } = this.decode(bytes, at, out, o));
        continue;
      }
      const lineEnd = bytes.indexOf(LF, at);
      const end = lineEnd < 0 ? bytes.length : lineEnd + 1;
      this.text += latin1.decode(bytes.subarray(at, end));
      if (this.text.length > MAX_LINES_TEXT) throw misformed();
      at = end;
      if (lineEnd >= 0) last = this.line();
    }
    if (o) pieces.push(out.subarray(0, o));
    if (last?.length) pieces.push(last);
    return pieces;
  }

  /** The end of the armored text: what it still holds, or why it is not a whole message. */
  end(): Uint8Array[] {
    const last = this.state !== 'data' && this.state !== 'done' && this.text ? this.line(true) : null;
    if (this.state !== 'done') throw misformed();
    return last?.length ? [last] : [];
  }

  /**
   * Data bytes from `at` into `out` at `o`, until the input ends or a `=` or `-` starts the tail.
   * Where it stopped.
   */
  private decode(bytes: Uint8Array, at: number, out: Uint8Array, o: number): { at: number; o: number } {
    let group = this.group;
    let digits = this.digits;
    let i = at;
    let lineStart = this.tailAtLineStart;
    for (; i < bytes.length; i++) {
      const byte = bytes[i]!;
      const value = BASE64_DIGITS[byte]!;
      if (value >= 0) {
        lineStart = false;
        group = (group << 6) | value;
        if (++digits === 4) {
          out[o] = group >>> 16;
          out[o + 1] = (group >>> 8) & 0xff;
          out[o + 2] = group & 0xff;
          o += 3;
          digits = 0;
          group = 0;
        }
      } else if (value === -2) {
        // OpenPGP.js drops every CR before it looks for the END line.
        if (byte !== 13) lineStart = byte === LF;
      } else if (byte === EQUALS || byte === DASH) {
        this.state = 'tail';
        break;
      } else throw notBase64();
    }
    this.group = group;
    this.digits = digits;
    this.tailAtLineStart = lineStart;
    return { at: i, o };
  }

  /** The line just ended in `text` (or the last one, unended), in the state it came in; the data's last bytes once it ends it. */
  private line(last = false): Uint8Array | null {
    if (this.state === 'tail') return this.tailLine(last);
    const line = withoutTrailingSpace(this.text.replace(/[\r\n]/g, ''));
    this.text = '';
    if (this.state === 'type') {
      if (!ARMOR_LINE.test(line)) return null;
      const type = KNOWN_TYPE.exec(line)?.[1];
      if (!type) throw new Error('Unknown ASCII armor type');
      if (type !== 'MESSAGE') throw new Error('Armored text not of type message');
      this.state = 'headers';
    } else if (this.state === 'headers') {
      if (ARMOR_LINE.test(line)) throw new Error('Mandatory blank line missing between armor headers and armor data');
      if (BLANK_LINE.test(line)) this.state = 'data';
    }
    return null;
  }

  private tailLine(last: boolean): Uint8Array | null {
    const lines = this.text.split('\n');
    // The text ends with LF (a whole line) unless it is the last: that line is the one to look at.
    const current = lines.length - (last ? 1 : 2);
    const isArmorLine =
      (current > 0 || this.tailAtLineStart) &&
      ARMOR_LINE.test(withoutTrailingSpace(lines[current]!.replace(/\r/g, '')));
    if (!isArmorLine) {
      if (last) throw misformed();
      return null;
    }
    // The data's last lines as OpenPGP.js takes them: without CR or trailing space, joined up to
    // the END line, and from the last `=` on (a checksum) unless that `=` ends them (padding).
    let tail = lines
      .slice(0, current)
      .map((l) => withoutTrailingSpace(l.replace(/\r/g, '')))
      .join('\n');
    const lastEquals = tail.lastIndexOf('=');
    if (lastEquals >= 0 && lastEquals !== tail.length - 1) tail = tail.slice(0, lastEquals);
    this.state = 'done';
    return this.decodeTail(tail);
  }

  /** The rest of the data with `atob`'s rules: white space skipped, `=` only as padding at the very end. */
  private decodeTail(tail: string): Uint8Array {
    const chars = tail.replace(/[\t\n\f\r ]/g, '');
    const padding = /={1,2}$/.exec(chars)?.[0].length ?? 0;
    if (padding && (this.digits + chars.length) % 4 !== 0) throw notBase64();
    const body = chars.slice(0, chars.length - padding);
    const out = new Uint8Array(Math.ceil(((this.digits + body.length) * 3) / 4));
    let o = 0;
    let group = this.group;
    let digits = this.digits;
    for (let i = 0; i < body.length; i++) {
      const value = BASE64_DIGITS[body.charCodeAt(i)]!;
      if (value < 0) throw notBase64();
      group = (group << 6) | value;
      if (++digits === 4) {
        out[o++] = group >>> 16;
        out[o++] = (group >>> 8) & 0xff;
        out[o++] = group & 0xff;
        digits = 0;
        group = 0;
      }
    }
    // A last group of two or three digits holds one or two bytes; of one, nothing valid.
    if (digits === 1) throw notBase64();
    if (digits === 2) out[o++] = group >>> 4;
    if (digits === 3) {
      out[o++] = group >>> 10;
      out[o++] = (group >>> 2) & 0xff;
    }
    this.group = 0;
    this.digits = 0;
    return out.subarray(0, o);
  }
}

const misformed = () => new Error('Misformed armored text');
const notBase64 = () => new Error('The armored data is not correctly base64-encoded');

/** An armored message's bytes as the binary message, decoded as they arrive (see Dearmor). */
export function dearmorStream(armored: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const dearmor = new Dearmor();
  const reader = armored.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { value, done } = await reader.read();
          const decoded = done ? dearmor.end() : dearmor.push(value);
          for (const piece of decoded) controller.enqueue(piece);
          if (done) {
            controller.close();
            return;
          }
          if (decoded.length) return;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
