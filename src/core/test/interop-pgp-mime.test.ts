import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptWithAll, interopAvailability, scratch, type Scratch, verifyWithAll } from '../../testing/interop';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import type { MessageInput } from '../mime/build-message';
import { PROTECTED_SUBJECT } from '../mime/header-protection';
import { payloadBytes } from '../mime/payload-parts';
import { buildPayload } from '../../testing/mime';
import { buildPayloadParts, micalgFor, wrapEncrypted, wrapSigned } from '../mime/pgp-mime';

const availability = interopAvailability();
const crypto = createCryptoApi();
const PASS = 'interop passphrase';

const input = (over: Partial<MessageInput> = {}): MessageInput => ({
  from: { name: 'Älice', address: 'alice@example.org' },
  to: [{ name: 'Bob', address: 'Bob@Example.org' }],
  cc: [],
  bcc: [{ name: null, address: 'hidden@example.net' }],
  subject: 'Vertraulich: Grüße ✓',
  text: 'Hallo Bob,\nFrom here on, trailing space \nand Umlaute: äöü ✓\n',
  attachments: [
    { name: 'Übersicht.bin', type: 'application/octet-stream', content: new Uint8Array([0, 1, 2, 250, 255]) },
  ],
  date: new Date('2026-11-28T10:00:00Z'),
  messageId: '<interop-1@example.org>',
  baseBoundary: 'fixed',
  ...over,
});

describe('PGP/MIME structure', () => {
  it('encrypted: two parts, protocol parameter, placeholder subject, no plaintext and no Bcc outside', async () => {
    const msg = await wrapEncrypted(
      input(),
      new Blob(['-----BEGIN PGP MESSAGE-----\r\n\r\nAAAA\r\n-----END PGP MESSAGE-----\r\n']),
    ).bytes.text();
    const head = msg.slice(0, msg.indexOf('\r\n\r\n'));
    expect(head).toContain('Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";');
    expect(head).toContain(`Subject: ${PROTECTED_SUBJECT}`);
    expect(msg).not.toMatch(/Vertraulich|Hallo|hidden@example\.net/);
    expect(msg).toContain(
      'Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n',
    );
    expect(msg.match(/^--enc-fixed\r$/gm)).toHaveLength(2);
    expect(msg.endsWith('--enc-fixed--\r\n')).toBe(true);
  });

  it('payload carries the protected headers (RFC 9788 and legacy v1) and HP-Outer, never Bcc', () => {
    const payload = buildPayload(input(), 'cipher');
    // Parameter values may be tokens or quoted strings (RFC 2045); header names are case-insensitive.
    expect(payload).toMatch(/^Content-Type: multipart\/mixed;[\s\S]*?protected-headers="?v1"?;[\s\S]*?hp="?cipher"?/);
    expect(payload).toMatch(/^Subject: .*=\?UTF-8\?/m);
    expect(payload).toMatch(/^HP-Outer: Subject: \[\.\.\.\]$/im);
    expect(payload).not.toContain('hidden@example.net');
    expect(payload).toContain('=46rom here on, trailing space=20');
    expect(buildPayload(input(), 'clear')).toMatch(/hp="?clear"?/);
    expect(buildPayload(input(), 'clear')).not.toMatch(/^HP-Outer/im);
  });

  it('without header protection the real subject is outside and the payload has no copies', async () => {
    const msg = await wrapEncrypted(
      input(),
      new Blob(['-----BEGIN PGP MESSAGE-----\r\n\r\nAAAA\r\n-----END PGP MESSAGE-----\r\n']),
      false,
    ).bytes.text();
    expect(msg.slice(0, msg.indexOf('\r\n\r\n'))).toMatch(/^Subject: Vertraulich: /m);
    const payload = buildPayload(input(), 'none');
    expect(payload).not.toMatch(/protected-headers|hp=|^HP-Outer|^Subject:/im);
  });

  it('signed: the first part comes back byte for byte; micalg follows the hash', async () => {
    const payload = buildPayload(input(), 'clear');
    const msg = await wrapSigned(
      input(),
      new Blob([payload]),
      '-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n',
      micalgFor('sha256'),
    ).bytes.text();
    const start = msg.indexOf('--sig-fixed\r\n') + '--sig-fixed\r\n'.length;
    expect(msg.slice(start, msg.indexOf('\r\n--sig-fixed\r\n', start))).toBe(payload);
    expect(msg).toContain('micalg="pgp-sha256"');
    expect(() => micalgFor('sha1')).toThrow();
  });
});

describe.skipIf(!availability.run)('messages the app builds are read by gpg, sq, sqop, gosop and rnp', () => {
  let s: Scratch;
  let alice: GeneratedKey;
  let bob: GeneratedKey;
  let files: { bobSecret: string; alicePublic: string };
  beforeAll(async () => {
    s = scratch();
    alice = await crypto.generateKey({
      name: 'Älice',
      email: 'alice@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    bob = await crypto.generateKey({
      name: 'Bob',
      email: 'bob@example.org',
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
    await crypto.unlockKey(alice.armoredSecret, PASS, 120_000);
    // The tools get Bob's secret key without a passphrase (as the recipe does).
    const bobPlain = (
      await openpgp.decryptKey({
        privateKey: await openpgp.readPrivateKey({ armoredKey: bob.armoredSecret }),
        passphrase: PASS,
      })
    ).armor();
    files = { bobSecret: join(s.dir, 'bob.sec.asc'), alicePublic: join(s.dir, 'alice.pub.asc') };
    writeFileSync(files.bobSecret, bobPlain);
    writeFileSync(files.alicePublic, alice.armoredPublic);
  }, 60_000);
  afterAll(async () => {
    await crypto.lockAll();
    s?.cleanup();
  });

  const lf = (t: string) => t.replace(/\r\n/g, '\n');

  it('encrypted + signed (combined), with protected headers, UTF-8 text and an attachment', async () => {
    const payload = buildPayload(input(), 'cipher');
    const { armored } = await crypto.encryptPayload({
      payload,
      recipients: [
        { armoredPublic: bob.armoredPublic, address: 'Bob@Example.org' },
        { armoredPublic: alice.armoredPublic, address: 'alice@example.org' },
      ],
      signWith: alice.summary.fingerprint,
    });
    const message = await wrapEncrypted(input(), armored).bytes.text();
    const file = join(s.dir, 'encrypted.asc');
    writeFileSync(
      file,
      message.slice(message.indexOf('-----BEGIN PGP MESSAGE-----'), message.indexOf('-----END PGP MESSAGE-----') + 25),
    );
    const results = decryptWithAll(s, {
      file,
      recipientSecret: files.bobSecret,
      signerPublic: files.alicePublic,
      signerFingerprint: alice.summary.fingerprint,
    });
    for (const tool of ['gpg', 'sq', 'sqop', 'gosop', 'rnp']) expect(lf(results[tool]!), tool).toBe(lf(payload));
  });

  it('signed by an RSA key: signed as the data streams (OpenPGP.js hashing a stream), and each reader checks it', async () => {
    const carol = await crypto.generateKey({
      name: 'Carol',
      email: 'carol@example.org',
      passphrase: PASS,
      algorithm: 'rsa3072',
      expiresInSeconds: 0,
    });
    await crypto.unlockKey(carol.armoredSecret, PASS, 120_000);
    const content = new Uint8Array(2 * 1024 * 1024 + 3).map((_, i) => (i * 13 + (i >> 10)) & 0xff);
    const withFile = input({
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: new Blob([content]) }],
    });
    const { armored } = await crypto.encryptPayload({
      payload: buildPayloadParts(withFile, 'cipher'),
      recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      signWith: carol.summary.fingerprint,
    });
    const text = await armored.text();
    // Streamed, not built whole: the encrypted packet comes in partial lengths (RFC 9580 §4.2.1.4).
    const binary = (await openpgp.unarmor(text)).data as unknown as Uint8Array;
    let at = 0;
    while (binary[at] === 0xc1) at += 2 + binary[at + 1]!; // the session-key packet(s)
    expect([binary[at], binary[at + 1]! >= 224 && binary[at + 1]! < 255]).toEqual([0xd2, true]);
    const file = join(s.dir, 'rsa-signed.asc');
    writeFileSync(file, text);
    writeFileSync(join(s.dir, 'carol.pub.asc'), carol.armoredPublic);
    const results = decryptWithAll(s, {
      file,
      recipientSecret: files.bobSecret,
      signerPublic: join(s.dir, 'carol.pub.asc'),
      signerFingerprint: carol.summary.fingerprint,
    });
    const asBytes = { ...withFile, attachments: [{ ...withFile.attachments[0]!, content }] };
    const expected = lf(buildPayload(asBytes, 'cipher'));
    for (const tool of ['gpg', 'sq', 'sqop', 'gosop', 'rnp']) expect(lf(results[tool]!) === expected, tool).toBe(true);
  }, 120_000);

  it('a 100 MB attachment, streamed through the fast packets: gpg decrypts it whole and checks the signature', async () => {
    const content = new Uint8Array(100 * 1024 * 1024);
    for (let at = 0; at < content.length; at += 65536)
      globalThis.crypto.getRandomValues(content.subarray(at, at + 65536));
    const big = input({
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: new Blob([content]) }],
    });
    const parts = buildPayloadParts({ ...big, bcc: [] }, 'cipher');
    const { armored } = await crypto.encryptPayload({
      payload: parts,
      recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      signWith: alice.summary.fingerprint,
    });
    const file = join(s.dir, 'big.asc');
    writeFileSync(file, new Uint8Array(await armored.arrayBuffer()));
    const home = join(s.dir, 'gpg-big');
    mkdirSync(home, { mode: 0o700 });
    const gpg = (args: string[]) => spawnSync('gpg', ['--homedir', home, '--batch', ...args], { maxBuffer: 1 << 20 });
    gpg(['--import', files.bobSecret, files.alicePublic]);
    const status = join(s.dir, 'big.status');
    const out = join(s.dir, 'big.out');
    gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--status-file', status, '-o', out, '--decrypt', file]);
    spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
    const st = readFileSync(status, 'utf8');
    expect(st).toContain('DECRYPTION_OKAY');
    expect(st).toContain(`VALIDSIG ${alice.summary.fingerprint}`);
    const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(digest(readFileSync(out))).toBe(digest(await payloadBytes(parts)));
  }, 120_000);

  it('gpg imports the Autocrypt keydata of the header the app writes', async () => {
    const { autocryptHeader } = await import('../mime/pgp-mime');
    const [name, value] = autocryptHeader(
      'alice@example.org',
      await crypto.autocryptKeydata(alice.armoredPublic, 'alice@example.org'),
    );
    expect(name).toBe('Autocrypt');
    expect(value).toMatch(/^addr=alice@example\.org; prefer-encrypt=mutual; keydata=[A-Za-z0-9+/= ]+$/);
    const keydata = Buffer.from(value.split('keydata=')[1]!.replace(/\s/g, ''), 'base64');
    const file = join(s.dir, 'autocrypt.key');
    writeFileSync(file, keydata);
    const out = s.gpg(['--with-colons', '--import-options', 'show-only', '--import', file]);
    expect(out).toContain(`fpr:::::::::${alice.summary.fingerprint}:`);
  });

  it('signed only: each verifies the detached signature over the exact first part', async () => {
    // Signed as the composer signs: streamed from the payload's parts, with a file of several chunks.
    const big = new Uint8Array(700_000).map((_, i) => (i * 31 + (i >> 11)) & 0xff);
    const withFile = input({
      attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: new Blob([big]) }],
    });
    const payload = buildPayloadParts(withFile, 'clear');
    const { armoredSignature, hash, signed } = await crypto.signPayload({
      payload,
      signWith: alice.summary.fingerprint,
    });
    expect(micalgFor(hash)).toBe('pgp-sha512');
    const asBytes = { ...withFile, attachments: [{ ...withFile.attachments[0]!, content: big }] };
    expect(await signed.text()).toBe(buildPayload(asBytes, 'clear'));
    const message = await wrapSigned(withFile, signed, armoredSignature, micalgFor(hash)).bytes.text();
    const start = message.indexOf('--sig-fixed\r\n') + 13;
    const part = message.slice(start, message.indexOf('\r\n--sig-fixed\r\n', start));
    const data = join(s.dir, 'signed');
    writeFileSync(data, part);
    writeFileSync(`${data}.asc`, armoredSignature);
    expect(
      verifyWithAll(s, {
        dataFile: data,
        signerPublic: files.alicePublic,
        signerFingerprint: alice.summary.fingerprint,
      }),
    ).toEqual({ gpg: true, sq: true, sqop: true, gosop: true, rnp: true });
    // A changed byte must fail (the tests above can fail).
    writeFileSync(data, part.replace('Hallo', 'Hallo!'));
    expect(
      verifyWithAll(s, {
        dataFile: data,
        signerPublic: files.alicePublic,
        signerFingerprint: alice.summary.fingerprint,
      }),
    ).toEqual({ gpg: false, sq: false, sqop: false, gosop: false, rnp: false });
  });
});
