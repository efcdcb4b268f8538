import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAppServer } from '../app-server';
import { startTestServer } from '../testing/test-server';
import { createCryptoApi } from '../../src/core/crypto/api';
import type { GeneratedKey } from '../../src/core/crypto/types';
import { createJmapClient, type JmapClient } from '../../src/core/jmap/client';
import { loadAccountSetup } from '../../src/core/jmap/account-setup';
import { listMailbox } from '../../src/core/jmap/mail';
import { discoverSession } from '../../src/core/jmap/session';
import { buildDraft, type DraftContent, draftKeyIds, readDraft } from '../../src/core/drafts/drafts';
import { storeDraft } from '../../src/core/drafts/store-draft';
import type { OutgoingAttachment } from '../../src/core/mime/build-message';

const PASS = 'draft test passphrase';
const crypto = createCryptoApi();
let running: Awaited<ReturnType<typeof startTestServer>>;
let server: RunningAppServer;
let alice: JmapClient;
let aliceKey: GeneratedKey;

const content: DraftContent = {
  from: { name: 'Alice', address: 'alice@example.test' },
  to: [{ name: 'Bob Bäcker', address: 'bob@example.test' }],
  cc: [{ name: null, address: 'carol@example.test' }],
  bcc: [{ name: null, address: 'secret-bcc@example.test' }],
  subject: 'Geheimer Plan – draft',
  text: 'First line\nÜnïcödé body with trailing space \n\nFrom the start of a line',
  attachments: [
    {
      name: 'plän.bin',
      type: 'application/octet-stream',
      content: Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256),
    },
  ],
  messageId: '<draft-1@example.test>',
  encrypt: true,
  sign: null,
  // Text that is not an address: kept verbatim, whatever it holds (a header injection attempt too).
  loose: [
    { field: 'to', kind: 'chip', text: 'bob@exa mple' },
    { field: 'cc', kind: 'typing', text: 'Grüße "dan@exa' },
    { field: 'bcc', kind: 'chip', text: `x\r\nBcc: evil@attacker.example\r\n\r\n${'long '.repeat(600)}` },
  ],
};

beforeAll(async () => {
  running = await startTestServer('drafts-test', { corsOrigins: ['*'] });
  server = running.server;
  const auth = { kind: 'basic' as const, username: 'alice@example.test', password: 'alice-pass' };
  alice = createJmapClient({ session: await discoverSession({ serverUrl: server.url, auth, fetch }), auth, fetch });
  aliceKey = await crypto.generateKey({
    name: 'Alice',
    email: 'alice@example.test',
    passphrase: PASS,
    algorithm: 'curve25519-legacy',
    expiresInSeconds: 0,
  });
});
afterAll(async () => {
  await running?.stop();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
const withBytes = (attachments: OutgoingAttachment[]) =>
  Promise.all(
    attachments.map(async (a) => ({ ...a, content: a.content instanceof Blob ? await bytesOf(a.content) : a.content })),
  );

describe('drafts', () => {
  it('an encrypted draft shows nothing of the message outside; stored, fetched and decrypted it comes back whole', async () => {
    const { bytes, encrypted } = await buildDraft(content, {
      date: new Date('2026-11-29T10:00:00Z'),
      baseBoundary: 'b1',
      encryptTo: { armoredPublic: aliceKey.armoredPublic, address: 'alice@example.test' },
      crypto,
    });
    expect(encrypted).toBe(true);
    const outside = text(await bytesOf(bytes));
    expect(outside).toMatch(/^Content-Type: multipart\/encrypted/m);
    expect(outside).toMatch(/^Subject: \[\.\.\.\]\r$/m);
    for (const secret of [
      'Geheimer',
      'bob@example.test',
      'carol@example.test',
      'secret-bcc',
      'plän',
      'pl=C3=A4n',
      'First line',
      'X-Composer-Draft',
      'evil@attacker',
    ])
      expect(outside).not.toContain(secret);

    const setup = await loadAccountSetup(alice);
    const first = await storeDraft(alice, bytes, { mailboxes: setup.mailboxes });
    const second = await storeDraft(alice, bytes, { mailboxes: setup.mailboxes, replaces: first.emailId });
    const inDrafts = await listMailbox(alice, { mailboxId: setup.mailboxes.drafts!.id });
    expect(inDrafts.emails.map((e) => e.id)).toEqual([second.emailId]);

    const stored = await alice.download({ blobId: inDrafts.emails[0]!.blobId, name: 'd.eml', type: 'message/rfc822' });
    expect(text(stored)).toBe(outside);
    const encryptionSubkey = aliceKey.summary.subkeys
      .find((s) => s.capabilities.includes('encrypt'))!
      .fingerprint.slice(-16);
    expect(await draftKeyIds(new Blob([stored as Uint8Array<ArrayBuffer>]), crypto)).toEqual([encryptionSubkey]);
    const folded = new TextEncoder().encode(
      text(stored).replace(/^Content-Type: multipart\/encrypted/m, 'Content-Type:\r\n multipart/encrypted'),
    );
    expect(await draftKeyIds(new Blob([folded]), crypto)).toEqual([encryptionSubkey]);
    const askedFor: string[][] = [];
    await expect(
      readDraft(new Blob([stored as Uint8Array<ArrayBuffer>]), crypto, {
        unlock: async (ids) => void askedFor.push(ids),
      }),
    ).rejects.toMatchObject({
      code: 'crypto/key-locked',
    });
    expect(askedFor).toEqual([[encryptionSubkey]]);

    const back = await readDraft(new Blob([stored as Uint8Array<ArrayBuffer>]), crypto, {
      unlock: () => crypto.unlockKey(aliceKey.armoredSecret, PASS, 60_000).then(() => undefined),
      ownKeys: [aliceKey.armoredPublic],
    });
    // Built without signWith: it carries no signature of the author's. The file comes back as a
    // Blob, decoded as the draft was decrypted.
    expect(back.attachments[0]!.content).toBeInstanceOf(Blob);
    expect({ ...back, attachments: await withBytes(back.attachments) }).toEqual({
      ...content,
      encrypted: true,
      signedBy: [],
    });

    // Signed by the author's unlocked key: the signature is found with the author's public key.
    const signed = await buildDraft(content, {
      date: new Date(),
      baseBoundary: 'b3',
      encryptTo: { armoredPublic: aliceKey.armoredPublic, address: 'alice@example.test' },
      signWith: aliceKey.summary.fingerprint,
      crypto,
    });
    const signedBack = await readDraft(signed.bytes, crypto, { ownKeys: [aliceKey.armoredPublic] });
    expect(signedBack.signedBy).toEqual([aliceKey.summary.fingerprint]);
    // Anyone can encrypt a "draft" to Alice's public key; without her signature it is not hers.
    const planted = await buildDraft(content, {
      date: new Date(),
      baseBoundary: 'b4',
      encryptTo: { armoredPublic: aliceKey.armoredPublic, address: 'alice@example.test' },
      crypto,
    });
    expect((await readDraft(planted.bytes, crypto, { ownKeys: [aliceKey.armoredPublic] })).signedBy).toEqual([]);
    await crypto.lockAll();
  });

  it('a plain draft (no key, encryption not asked for) keeps Bcc and the choices, and may have no recipients yet', async () => {
    const plain = { ...content, to: [], cc: [], encrypt: false, sign: false };
    const { bytes, encrypted } = await buildDraft(plain, {
      date: new Date(),
      baseBoundary: 'b2',
      encryptTo: null,
      crypto,
    });
    expect(encrypted).toBe(false);
    expect(await draftKeyIds(bytes, crypto)).toEqual([]);
    const back = await readDraft(bytes, crypto, {
      unlock: () => Promise.reject(new Error('a plain draft needs no key')),
    });
    // A plain draft is read as it downloads too: its file was decoded into a Blob on the way.
    expect(back.attachments[0]!.content).toBeInstanceOf(Blob);
    expect({ ...back, attachments: await withBytes(back.attachments) }).toEqual({
      ...plain,
      encrypted: false,
      signedBy: [],
    });
    // The loose text travels base64-encoded: no line of it can become a header of its own.
    const head = text(await bytesOf(bytes)).split('\r\n\r\n')[0]!;
    expect(head.match(/^Bcc:.*$/gim)).toEqual(['Bcc: secret-bcc@example.test']);
    expect(head).not.toContain('evil@attacker');
  });

  it('refuses what is not a message in clear words', async () => {
    const broken = new TextEncoder().encode(
      'Content-Type: multipart/encrypted; boundary="x"\r\n\r\n--x\r\nno pgp here\r\n--x--\r\n',
    );
    await expect(readDraft(new Blob([broken]), crypto)).rejects.toMatchObject({ code: 'draft/unreadable' });
  });
});
