import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { BlobSink } from '../../bytes/sink';
import { ArmorSink, armorMessage, crc24 } from './armor';

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
