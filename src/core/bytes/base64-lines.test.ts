import { describe, expect, it } from 'vitest';
import { Base64Lines } from './base64-lines';

const expected = (bytes: Uint8Array, lineLength: number) =>
  (
    Buffer.from(bytes)
      .toString('base64')
      .match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? []
  ).join('\r\n');

describe('Base64Lines', () => {
  it('writes the same lines as encoding the whole at once, however the input is cut', () => {
    for (const lineLength of [76, 64]) {
      for (const length of [0, 1, 2, 3, 56, 57, 58, 113, 114, 1000, 100_003]) {
        const bytes = Uint8Array.from({ length }, (_, i) => (i * 7919 + length) & 0xff);
        for (const cut of [1, 2, 5, 57, 4096, length + 1]) {
          const lines = new Base64Lines(lineLength);
          const out: string[] = [];
          for (let at = 0; at < length; at += cut)
            out.push(Buffer.from(lines.push(bytes.subarray(at, at + cut))).toString());
          out.push(Buffer.from(lines.end()).toString());
          expect(out.join(''), `${lineLength}/${length}/${cut}`).toBe(expected(bytes, lineLength));
        }
      }
    }
  });

  it('refuses a line length that would split a group', () => {
    expect(() => new Base64Lines(75)).toThrow(/multiple of 4/);
  });
});
