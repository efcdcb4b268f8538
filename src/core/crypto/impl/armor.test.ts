import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { BlobSink } from '../../bytes/sink';
import { ArmorSink, armorMessage, crc24, Dearmor, dearmorStream } from './armor';

const checksumLine = (armored: string) => /^=([A-Za-z0-9+/]{4})\r?$/m.exec(armored)?.[1] ?? null;

describe('armorMessage', () => {
  it('round-trips every length mod 3 in CRLF lines, with the CRC-24 line OpenPGP.js writes', async () => {
    for (const length of [0, 1, 2, 3, 47, 48, 49, 1000, 24_577, 100_001]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      const ours = await (await armorMessage(bytes, true)).text();
      expect(ours.endsWith('-----END PGP MESSAGE-----\r\n')).toBe(true);
      expect(
        ours.split('\r\n').every((l) => l.length <= 64 && !l.includes('\n')),
        `lines ${length}`,
      ).toBe(true);
      const { data, type } = await openpgp.unarmor(ours);
      expect(type).toBe(openpgp.enums.armor.message);
      expect(data).toEqual(bytes);
      const theirs = openpgp.armor(openpgp.enums.armor.message, bytes, undefined, undefined, undefined, true);
      expect(checksumLine(ours), `crc ${length}`).toBe(checksumLine(theirs));
      expect(ours).toContain(Buffer.from(bytes).toString('base64').slice(0, 64));
      expect(checksumLine(await (await armorMessage(bytes, false)).text())).toBeNull();
    }
  });

  it('computes the CRC-24 of RFC 9580 (check value of "123456789")', () => {
    expect(crc24(new Uint8Array())).toBe(0xb704ce);
    expect(crc24(new TextEncoder().encode('123456789')).toString(16)).toBe('21cf02');
  });

  it('computes the same CRC-24 bit by bit at every byte alignment and length', () => {
    const bitwise = (data: Uint8Array) => {
      let crc = 0xb704ce;
      for (const byte of data) {
        crc ^= byte << 16;
        for (let bit = 0; bit < 8; bit++) crc = crc & 0x800000 ? ((crc << 1) ^ 0x864cfb) & 0xffffff : crc << 1;
      }
      return crc;
    };
    const buffer = Uint8Array.from({ length: 300 }, (_, i) => (i * 197 + 11) & 0xff);
    for (let offset = 0; offset < 8; offset++)
      for (const length of [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 64, 65, 255])
        expect(crc24(buffer.subarray(offset, offset + length)), `at ${offset}, ${length} bytes`).toBe(
          bitwise(buffer.subarray(offset, offset + length)),
        );
  });

  it('carries the CRC-24 across pieces of any length and alignment', async () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 0xff);
    const theirs = checksumLine(
      openpgp.armor(openpgp.enums.armor.message, bytes, undefined, undefined, undefined, true),
    );
    for (const piece of [1, 3, 5, 8, 13, 4096]) {
      const output = new BlobSink();
      const armor = new ArmorSink(output, true);
      for (let at = 0; at < bytes.length; at += piece) await armor.write(bytes.subarray(at, at + piece));
      await armor.close();
      expect(checksumLine(await (await output.result()).text()), `pieces of ${piece}`).toBe(theirs);
    }
  });
});

/**
 * OpenPGP.js as the browser has it: its Node build decodes base64 with Node's Buffer, which skips
 * what `atob` (in the browser build) rejects.
 */
const browserOpenpgp = (await import(
  /* @vite-ignore */ new URL('../../../../node_modules/openpgp/dist/openpgp.mjs', import.meta.url).href
)) as typeof openpgp;

/** What OpenPGP.js's own unarmor makes of `text` as a message: its bytes, or that it failed. */
async function theirs(text: string): Promise<Uint8Array | 'error'> {
  let unarmored;
  try {
    unarmored = await browserOpenpgp.unarmor(text);
  } catch {
    return 'error';
  }
  if (unarmored.type !== openpgp.enums.armor.message) return 'error';
  const { data } = unarmored;
  // Unarmoring a string gives its bytes whole.
  if (!(data instanceof Uint8Array)) throw new Error('OpenPGP.js unarmored a string into a stream');
  return data;
}

/** What Dearmor makes of `text` (as Latin-1 bytes) fed `piece` bytes at a time. */
function ours(text: string, piece: number): Uint8Array | 'error' {
  const bytes = new Uint8Array(Buffer.from(text, 'latin1'));
  const dearmor = new Dearmor();
  const out: Uint8Array[] = [];
  try {
    for (let at = 0; at < bytes.length; at += piece) out.push(...dearmor.push(bytes.subarray(at, at + piece)));
    out.push(...dearmor.end());
  } catch {
    return 'error';
  }
  // The armor is the caller's: a message read again (or by a second reader) must find it as it was.
  if (Buffer.from(bytes).toString('latin1') !== text) throw new Error('Dearmor changed its input');
  return new Uint8Array(Buffer.concat(out));
}

describe('Dearmor', () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 89 + 13) & 0xff);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const wrap = (text: string, width: number, eol = '\n') =>
    (text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(eol);
  const crcLine = (bytes: Uint8Array) => {
    const c = crc24(bytes);
    return `=${b64(Uint8Array.of(c >> 16, (c >> 8) & 0xff, c & 0xff))}`;
  };
  const begin = '-----BEGIN PGP MESSAGE-----';
  const end = '-----END PGP MESSAGE-----';
  const message = (body: string, { head = `${begin}\n\n`, tail = `\n${end}\n` } = {}) => head + body + tail;

  const cases: Record<string, string> = {};
  for (const length of [0, 1, 2, 3, 4, 5, 47, 48, 49, 1000]) {
    const bytes = data.subarray(0, length);
    cases[`${length} bytes, OpenPGP.js armor`] = openpgp.armor(openpgp.enums.armor.message, bytes);
    cases[`${length} bytes, with checksum, CRLF`] = message(
      `${wrap(b64(bytes) || '', 64, '\r\n')}\r\n${crcLine(bytes)}`,
      {
        head: `${begin}\r\nVersion: x\r\n\r\n`,
        tail: `\r\n${end}\r\n`,
      },
    );
    cases[`${length} bytes, no padding`] = message(b64(bytes).replace(/=+$/, ''));
  }
  const full = b64(data);
  Object.assign(cases, {
    'lines of 76, 3, 1 and ragged widths': message(
      `${wrap(full.slice(0, 400), 76)}\n${wrap(full.slice(400, 700), 3)}\n${wrap(full.slice(700), 1)}`,
    ),
    'text before BEGIN and after END, trailing spaces, a blank line of tabs and NBSP': `Hello\n-- \nnot armor\n${begin}  \nComment: hi \n \t\u00a0\n${wrap(full, 64, '  \n')}\n${crcLine(data)}\n${end}\nafter\n`,
    'white space inside lines': message(wrap(full, 64).replace(/(.{10})/g, '$1 \t')),
    'a CR alone before END': message(full, { tail: `\n\r${end}` }),
    'END with no line end': message(full, { tail: `\n${end}` }),
    'END on the data line': message(`${full.slice(0, 8)}`, { tail: end }),
    'END after white space': message(full, { tail: `\n  ${end}\n` }),
    'no blank line after the headers': `${begin}\nVersion: x\n${full}\n${end}\n`,
    'an armor line among the headers': `${begin}\nVersion: x\n${end}\n\n${full}\n${end}\n`,
    'no END line': message(full, { tail: '\n' }),
    'no END line, ends in the data': message(full, { tail: '' }),
    'END but no blank line or data': `${begin}\n`,
    'a dash in the data': message(`${full.slice(0, 100)}-${full.slice(101)}`),
    'an equals sign in the data': message(`${full.slice(0, 100)}=${full.slice(101)}`),
    'padding then more data': message(`QQ==\n${full}`),
    'a stray character': message(`${full.slice(0, 100)}*${full.slice(101)}`),
    'a lone last digit': message(`${full.slice(0, 4)}Q`),
    'a checksum line only': message(crcLine(new Uint8Array())),
    'two checksum-like lines': message(`${full}\n=AAAA\n=BBBB`),
    'a signature, not a message': `-----BEGIN PGP SIGNATURE-----\n\n${full}\n-----END PGP SIGNATURE-----\n`,
    'an unknown armor type': `-----BEGIN PGP THING-----\n\n${full}\n-----END PGP THING-----\n`,
    'a second message after the first': message(full) + message(b64(data.subarray(0, 10))),
  });

  it('reads every armor as OpenPGP.js does, fed in pieces of any size', async () => {
    for (const [name, text] of Object.entries(cases)) {
      const expected = await theirs(text);
      for (const piece of [1, 2, 7, 64, 1 << 20]) {
        const got = ours(text, piece);
        if (expected === 'error') expect(got, `${name}, pieces of ${piece}`).toBe('error');
        else
          expect(
            got === 'error' ? got : Buffer.from(got).equals(Buffer.from(expected)),
            `${name}, pieces of ${piece}`,
          ).toBe(true);
      }
    }
    // The cases do reach both outcomes.
    const outcomes = await Promise.all(Object.values(cases).map(async (t) => (await theirs(t)) === 'error'));
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(8);
    expect(outcomes.filter((e) => !e).length).toBeGreaterThan(30);
  });

  it('decodes a large armor piece by piece as it streams in', async () => {
    const big = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
    const text = openpgp.armor(openpgp.enums.armor.message, big);
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) controller.close();
        else controller.enqueue(bytes.subarray(at, (at += 65_536)));
      },
    });
    const chunks: Uint8Array[] = [];
    const reader = dearmorStream(source).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(chunks.length).toBeGreaterThan(40);
    expect(Buffer.concat(chunks).equals(Buffer.from(big))).toBe(true);
  });
});
