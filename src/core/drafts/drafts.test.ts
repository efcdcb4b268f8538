import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import { buildDraft, draftKeyIds, readDraft, type DraftContent } from './drafts';

const crypto = createCryptoApi();
const PASS = 'draft passphrase';
const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 13 + (i >> 11)) & 0xff);
const bytesOf = async (content: Blob | Uint8Array) =>
  Buffer.from(content instanceof Blob ? new Uint8Array(await content.arrayBuffer()) : content);

let alice: GeneratedKey;
beforeAll(async () => {
  alice = await crypto.generateKey({
    name: 'Alice',
    email: 'alice@example.org',
    passphrase: PASS,
    algorithm: 'curve25519-legacy',
    expiresInSeconds: 0,
  });
  await crypto.unlockKey(alice.armoredSecret, PASS, 600_000);
}, 60_000);

const content: DraftContent = {
  from: { name: 'Alice', address: 'alice@example.org' },
  to: [{ name: 'Bob', address: 'bob@example.org' }],
  cc: [],
  bcc: [],
  subject: 'Plans',
  text: 'Half-written.',
  attachments: [
    { name: 'big.bin', type: 'application/octet-stream', content: big },
    { name: 'tiny.txt', type: 'text/plain', content: new TextEncoder().encode('tiny') },
  ],
  messageId: '<draft-1@example.org>',
  encrypt: null,
  sign: false,
};

describe('drafts', () => {
  for (const encrypted of [false, true])
    it(`${encrypted ? 'an encrypted' : 'a plain'} draft comes back as it was written, its files byte for byte`, async () => {
      const draft = await buildDraft(
        { ...content, encrypt: encrypted },
        {
          date: new Date('2026-12-05T10:00:00Z'),
          baseBoundary: 'd1',
          encryptTo: encrypted ? { armoredPublic: alice.armoredPublic, address: 'alice@example.org' } : null,
          crypto,
        },
      );
      expect(draft.encrypted).toBe(encrypted);
      expect(await draftKeyIds(draft.bytes, crypto)).toHaveLength(encrypted ? 1 : 0);
      const read = await readDraft(draft.bytes, crypto);
      expect([read.encrypted, read.subject, read.text, read.to, read.encrypt]).toEqual([
        encrypted,
        'Plans',
        'Half-written.',
        content.to,
        encrypted,
      ]);
      expect(read.attachments.map((a) => [a.name, a.type])).toEqual([
        ['big.bin', 'application/octet-stream'],
        ['tiny.txt', 'text/plain'],
      ]);
      // The large file was decoded into a Blob as the draft was read, not parsed out of a whole copy.
      expect(read.attachments[0]!.content).toBeInstanceOf(Blob);
      expect((await bytesOf(read.attachments[0]!.content)).equals(Buffer.from(big))).toBe(true);
      expect((await bytesOf(read.attachments[1]!.content)).toString()).toBe('tiny');
    });
});
