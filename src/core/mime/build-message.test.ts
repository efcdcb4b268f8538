import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { buildMessage } from '../../testing/mime';
import type { MessageInput } from './build-message';
import { createMessageId } from './message-id';
import { assertSevenBitMessage } from './seven-bit';

const base: MessageInput = {
  from: { name: 'Ålice Äpfel', address: 'alice@example.test' },
  to: [{ name: 'Bob, Jr.', address: 'bob@example.test' }],
  cc: [{ name: null, address: 'carol@example.test' }],
  bcc: [{ name: 'Secret', address: 'hidden@elsewhere.example' }],
  subject: 'Grüße aus Köln – 日本語の件名 and a rather long subject that has to be folded somewhere',
  text: 'Hällo Bob,\nline with trailing space \nFrom here\n\nBye',
  attachments: [
    { name: 'Übersicht résumé – 2026.txt', type: 'text/plain', content: new TextEncoder().encode('attached ✓') },
  ],
  date: new Date('2026-11-28T10:00:00Z'),
  messageId: '<m1@example.test>',
  baseBoundary: 'fixed',
};
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const headerSection = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n'));

describe('buildMessage', () => {
  it('is deterministic for a fixed date, Message-ID and boundary seed', () => {
    expect(decode(buildMessage(base).bytes)).toBe(decode(buildMessage(base).bytes));
  });

  it('round-trips headers, body and a non-ASCII attachment name through a MIME parser', async () => {
    const { bytes } = buildMessage(base);
    const parsed = await PostalMime.parse(bytes);
    expect(parsed.subject).toBe(base.subject);
    expect(parsed.from).toMatchObject({ name: 'Ålice Äpfel', address: 'alice@example.test' });
    expect(parsed.to).toEqual([{ name: 'Bob, Jr.', address: 'bob@example.test' }]);
    expect(parsed.cc).toEqual([{ name: '', address: 'carol@example.test' }]);
    expect(parsed.messageId).toBe('<m1@example.test>');
    expect(parsed.date).toBe('2026-11-28T10:00:00.000Z');
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(`${base.text}\n`.replace(/\n\n$/, '\n'));
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('Übersicht résumé – 2026.txt');
    expect(decode(new Uint8Array(parsed.attachments[0]!.content as ArrayBuffer))).toBe('attached ✓');
  });

  it('writes 7-bit CRLF output with RFC 2047 subject words and an RFC 2231 file name', () => {
    const raw = decode(buildMessage(base).bytes);
    expect(() => assertSevenBitMessage(buildMessage(base).bytes)).not.toThrow();
    expect(headerSection(raw)).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    expect(raw).toMatch(/filename\*0\*=utf-8''/);
    expect(raw).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(raw).toContain('trailing space=20\r\n');
    expect(headerSection(raw)).toContain('Date: Sat, 28 Nov 2026 10:00:00 +0000');
    expect(headerSection(raw)).toContain('MIME-Version: 1.0');
    expect(headerSection(raw)).toMatch(/^Message-I[Dd]: <m1@example.test>$/m);
  });

  it('keeps Bcc out of every header but in the envelope, once per address', () => {
    const built = buildMessage({ ...base, cc: [...base.cc, { name: null, address: 'BOB@example.test' }] });
    const raw = decode(built.bytes);
    expect(raw).not.toMatch(/hidden@elsewhere\.example/);
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(built.envelope).toEqual({
      mailFrom: 'alice@example.test',
      rcptTo: ['bob@example.test', 'carol@example.test', 'hidden@elsewhere.example'],
    });
  });

  it('builds a single text/plain message without attachments', async () => {
    const { bytes } = buildMessage({ ...base, attachments: [] });
    const raw = decode(bytes);
    expect(headerSection(raw)).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect((await PostalMime.parse(bytes)).attachments).toHaveLength(0);
  });

  it('refuses a message without recipients', () => {
    expect(() => buildMessage({ ...base, to: [], cc: [], bcc: [] })).toThrow(
      expect.objectContaining({ code: 'mime/no-recipients' }),
    );
  });
});

describe('createMessageId', () => {
  it('uses the sender domain and 128 random bits', () => {
    expect(createMessageId('alice@example.test', (n) => new Uint8Array(n).fill(171))).toBe(
      `<${'ab'.repeat(16)}@example.test>`,
    );
  });
});

describe('assertSevenBitMessage', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('rejects 8-bit bytes, bare LF and long lines', () => {
    expect(() => assertSevenBitMessage(enc('Subject: é\r\n'))).toThrow(/not 7-bit/);
    expect(() => assertSevenBitMessage(enc('a\nb'))).toThrow(/Bare LF/);
    expect(() => assertSevenBitMessage(enc(`${'x'.repeat(999)}\r\n`))).toThrow(/998/);
    expect(() => assertSevenBitMessage(enc('ok\r\nfine\r\n'))).not.toThrow();
  });
});

describe('attachments', () => {
  it('arrive byte-exact, binary and text alike', async () => {
    const binary = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
    const text = new TextEncoder().encode('no trailing newline\r\nand CRLF kept');
    const { bytes } = buildMessage({
      ...base,
      attachments: [
        { name: 'data.bin', type: 'application/octet-stream', content: binary },
        { name: 'notes.txt', type: 'text/plain', content: text },
      ],
    });
    const parsed = await PostalMime.parse(bytes);
    expect(new Uint8Array(parsed.attachments[0]!.content as ArrayBuffer)).toEqual(binary);
    expect(new Uint8Array(parsed.attachments[1]!.content as ArrayBuffer)).toEqual(text);
  });
});
