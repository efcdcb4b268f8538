import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { armorMessage, crc24 } from './armor';

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
});
