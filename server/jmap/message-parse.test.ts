import { describe, expect, it } from 'vitest';
import { stripBccHeader } from '../testing/strip-bcc';
import { looksLikeMessage, summarize, withoutUnfinishedBody } from './message-parse';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const dec = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('stripBccHeader', () => {
  it('removes folded Bcc fields anywhere in the header and nothing else', () => {
    const msg =
      'From: a@x.org\r\nBcc: s1@x.org,\r\n s2@x.org\r\nTo: b@x.org\r\nBCC: s3@x.org\r\n\r\nBcc: in the body stays\r\n';
    expect(dec(stripBccHeader(enc(msg)))).toBe('From: a@x.org\r\nTo: b@x.org\r\n\r\nBcc: in the body stays\r\n');
  });
  it('returns the same bytes when there is no Bcc', () => {
    const bytes = enc('From: a@x.org\r\n\r\nbody');
    expect(stripBccHeader(bytes)).toBe(bytes);
  });
  it('handles a Bcc as the last field and LF-only messages', () => {
    expect(dec(stripBccHeader(enc('From: a@x.org\nBcc: z@x.org\n\nbody')))).toBe('From: a@x.org\n\nbody');
  });
});

describe('summarize', () => {
  it('extracts addresses, ids, dates and a preview', async () => {
    const s = await summarize(
      enc(
        'From: =?UTF-8?Q?=C3=85lice?= <alice@example.test>\r\nTo: Bob <bob@example.test>, carol@example.test\r\n' +
          'Subject: Hi\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\nReferences: <a@x> <b@x>\r\n\r\nHello   there\r\n',
      ),
    );
    expect(s).toMatchObject({
      from: [{ name: 'Ålice', email: 'alice@example.test' }],
      to: [
        { name: 'Bob', email: 'bob@example.test' },
        { name: null, email: 'carol@example.test' },
      ],
      subject: 'Hi',
      sentAt: '2026-11-28T10:00:00Z',
      messageId: ['m1@example.test'],
      references: ['a@x', 'b@x'],
      preview: 'Hello there',
      hasAttachment: false,
    });
  });
  it('tells messages from other data', () => {
    expect(looksLikeMessage(enc('Subject: x\r\n\r\n'))).toBe(true);
    expect(looksLikeMessage(enc('\x89PNG\r\n\x1a\n'))).toBe(false);
    expect(looksLikeMessage(enc('just some text without headers'))).toBe(false);
    expect(looksLikeMessage(enc('From: a@x.org\r\nSubject: no body, no blank line\r\n'))).toBe(true);
    expect(looksLikeMessage(enc('X: \0binary\r\n\r\n'))).toBe(false);
  });
  it('summarises a large message from its first megabytes: headers, preview, and its attachment', async () => {
    const big = 'QUJD'.repeat(19) + '\r\n';
    const raw = enc(
      'From: a@x.org\r\nTo: b@x.org\r\nSubject: big one\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${big.repeat(60_000)}--b--\r\n`,
    );
    expect(raw.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(await summarize(raw)).toMatchObject({
      subject: 'big one',
      preview: 'see attached',
      hasAttachment: true,
      to: [{ email: 'b@x.org' }],
    });
  });

  it('an encrypted message has the same summary whatever the size of its armor', async () => {
    const encrypted = (armorLines: number) =>
      enc(
        'From: Alice <a@x.org>\r\nTo: b@x.org\r\nSubject: [...]\r\nMessage-ID: <e1@x.org>\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n' +
          'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"\r\n\r\n' +
          'This is an OpenPGP/MIME encrypted message\r\n--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n' +
          '--enc\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Disposition: inline; filename="encrypted.asc"\r\n\r\n' +
          `-----BEGIN PGP MESSAGE-----\r\n\r\n${'wcBMA1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY\r\n'.repeat(armorLines)}-----END PGP MESSAGE-----\r\n--enc--\r\n`,
      );
    const small = await summarize(encrypted(10));
    const large = encrypted(60_000);
    expect(large.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(await summarize(large)).toEqual(small);
    expect(small).toMatchObject({ subject: '[...]', messageId: ['e1@x.org'], from: [{ email: 'a@x.org' }] });
  });

  it('keeps every part that ends in what was read, and reads past attachments that do not', async () => {
    const head =
      'From: a@x.org\r\nTo: b@x.org\r\nSubject: mixed\r\nContent-Type: multipart/mixed; boundary="out"\r\n\r\n' +
      '--out\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="small.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n' +
      '--out\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\nafter the small file\r\n' +
      '--alt\r\nContent-Type: text/html\r\n\r\n<p>after the small file</p>\r\n--alt--\r\n' +
      '--out\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const raw = enc(head + `${'QUJD'.repeat(19)}\r\n`.repeat(60_000) + '--out--\r\n');
    const start = raw.subarray(0, 2 * 1024 * 1024);
    expect(dec(withoutUnfinishedBody(start))).toBe(head);
    // What was read whole is left as it is; so is a message that is not multipart.
    expect(withoutUnfinishedBody(raw)).toBe(raw);
    const single = enc(`From: a@x.org\r\nContent-Type: application/octet-stream\r\n\r\n${'QUJD'.repeat(100)}`);
    expect(withoutUnfinishedBody(single)).toBe(single);
    expect(await summarize(raw)).toMatchObject({ preview: 'after the small file', hasAttachment: true });
  });
});
