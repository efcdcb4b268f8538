import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../mime/base64';
import { byteString } from './mime-tree';

describe('byteString', () => {
  it('maps every byte to the character with that code, so offsets in the string are offsets in the bytes', () => {
    const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
    const text = byteString(all);
    expect(text).toHaveLength(512);
    expect([...text].map((c) => c.charCodeAt(0))).toEqual([...all]);
  });

  it('keeps a large binary body the same length (random bytes, 0x80-0x9F included)', () => {
    const bytes = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const text = byteString(bytes);
    expect(text.length).toBe(bytes.length);
    for (const at of [0, 1, 4097, 1_000_003, bytes.length - 1]) expect(text.charCodeAt(at)).toBe(bytes[at]);
  });
});

describe('decodeBase64 (attachment bodies)', () => {
  it('decodes folded lines, missing padding and stray characters as mail readers do', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) % 256);
    const folded = Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n');
    expect([...decodeBase64(folded)]).toEqual([...bytes]);
    expect([...decodeBase64('AAEC/v8')]).toEqual([0, 1, 2, 254, 255]); // no padding
    expect([...decodeBase64(' AA\tEC *\r\n/v8=\r\n')]).toEqual([0, 1, 2, 254, 255]);
    expect([...decodeBase64('AAECA')]).toEqual([0, 1, 2]); // a dangling character
    expect(decodeBase64('')).toHaveLength(0);
  });
});
