import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { MimeNode, type MessageInput } from '../../../mime/build-message';
import { payloadBytes, type PayloadPart } from '../../../mime/payload-parts';
import { buildPayloadParts } from '../../../mime/pgp-mime';
import { createCryptoApi } from '../../api';

const api = createCryptoApi();
const PASS = 'correct horse battery staple';

/** Byte equality without a deep-equality walk over megabytes. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

const random = (length: number) => {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
};

async function keyPair(algorithm: 'curve25519-legacy' | 'curve25519-v6', email: string) {
  const key = await api.generateKey({ name: '', email, passphrase: PASS, algorithm, expiresInSeconds: 0 });
  await api.unlockKey(key.armoredSecret, PASS, 600_000);
  const secret = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: key.armoredSecret }),
    passphrase: PASS,
  });
  return { ...key, secret, email };
}

/** An RSA key (no streamed signer), unlocked in the API. */
async function unlockedRsaKey(email: string) {
  const rsa = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 2048,
    userIDs: [{ email }],
    passphrase: PASS,
    format: 'armored',
  });
  await api.unlockKey(rsa.privateKey, PASS, 600_000);
  return { rsa, fingerprint: (await openpgp.readKey({ armoredKey: rsa.publicKey })).getFingerprint().toUpperCase() };
}

const input = (attachments: MessageInput['attachments']): MessageInput => ({
  from: { name: 'Alice', address: 'alice@example.org' },
  to: [{ name: null, address: 'bob@example.org' }],
  cc: [],
  bcc: [],
  subject: 'Große Datei',
  text: 'See the attachments.\nFrom here on, trailing space \n',
  attachments,
  date: new Date('2026-12-05T10:00:00Z'),
  messageId: '<stream@example.org>',
  baseBoundary: 'fixed',
});

/** Decrypt and verify with OpenPGP.js (RFC 9580 reference reader): the plaintext and the signature's key. */
async function openWith(armored: Blob, recipient: openpgp.PrivateKey, signer: string) {
  const message = await openpgp.readMessage({ armoredMessage: await armored.text() });
  const { data, signatures } = await openpgp.decrypt({
    message,
    decryptionKeys: recipient,
    verificationKeys: await openpgp.readKey({ armoredKey: signer }),
    expectSigned: true,
    format: 'binary',
  });
  await signatures[0]!.verified;
  return {
    data: data as Uint8Array,
    seipd: (message.packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as unknown as {
      version: number;
    })!.version,
    signedBy: signatures[0]!.keyID.toHex(),
  };
}

describe('streamed encryption', () => {
  it('the MIME entity is the same bytes whether attachments are Blobs or bytes, and what the MIME library writes', async () => {
    const sizes = [0, 1, 56, 57, 58, 300_000, 1_048_577];
    const contents = sizes.map(random);
    const asBytes = input(
      contents.map((content, i) => ({ name: `f${i}.bin`, type: 'application/octet-stream', content })),
    );
    const asBlobs = input(
      contents.map((content, i) => ({
        name: `f${i}.bin`,
        type: 'application/octet-stream',
        content: new Blob([content]),
      })),
    );
    const fromBytes = await payloadBytes(buildPayloadParts(asBytes, 'cipher'));
    expect(same(await payloadBytes(buildPayloadParts(asBlobs, 'cipher')), fromBytes)).toBe(true);
    // The library alone, with the contents inside it, writes the same attachment bodies.
    const root = new MimeNode('multipart/mixed', { baseBoundary: 'x' });
    contents.forEach((content) =>
      root.createChild('application/octet-stream').setHeader('Content-Transfer-Encoding', 'base64').setContent(content),
    );
    const bodies = (text: string) =>
      text
        .split(/\r\n--[^\r\n]+\r\n/)
        .slice(1)
        .map((p) => p.slice(p.indexOf('\r\n\r\n') + 4));
    const ours = bodies(new TextDecoder().decode(fromBytes)).slice(1); // after the text part
    expect(ours.map((b) => b.replace(/\r\n--[^\r\n]*--\r\n$/, ''))).toEqual(
      bodies(root.build()).map((b) => b.replace(/\r\n--[^\r\n]*--\r\n$/, '')),
    );
  });

  for (const algorithm of ['curve25519-legacy', 'curve25519-v6'] as const) {
    it(`${algorithm}: OpenPGP.js decrypts and verifies messages across every chunk boundary`, async () => {
      const alice = await keyPair(algorithm, 'alice@example.org');
      const bob = await keyPair(algorithm, 'bob@example.org');
      for (const size of [0, 1, 262_143, 262_144, 262_145, 1_048_576 + 1000, 3_000_001]) {
        const parts: PayloadPart[] = [
          'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n',
          { base64: new Blob([random(size)]) },
          '\r\n',
        ];
        const { armored } = await api.encryptPayload({
          payload: parts,
          recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
          signWith: alice.summary.fingerprint,
        });
        const opened = await openWith(armored, bob.secret, alice.armoredPublic);
        expect(same(opened.data, await payloadBytes(parts)), `${size}`).toBe(true);
        expect(opened.seipd).toBe(algorithm === 'curve25519-v6' ? 2 : 1);
        expect(opened.signedBy).toBe((await alice.secret.getSigningKey()).getKeyID().toHex());
        const head = await armored.slice(0, 40).text();
        expect(head.startsWith('-----BEGIN PGP MESSAGE-----\r\n\r\n')).toBe(true);
        // SEIPDv2 has no CRC-24 line (RFC 9580 §6.1); SEIPDv1 keeps it for GnuPG (T7071).
        expect(/\r\n=[A-Za-z0-9+/]{4}\r\n-----END PGP MESSAGE-----\r\n$/.test(await armored.text())).toBe(
          algorithm !== 'curve25519-v6',
        );
      }
    });
  }

  it('a flipped bit anywhere in the encrypted data makes the message unreadable', async () => {
    for (const algorithm of ['curve25519-legacy', 'curve25519-v6'] as const) {
      const bob = await keyPair(algorithm, 'bob@example.org');
      const { armored } = await api.encryptPayload({
        payload: ['x', { base64: random(600_000) }],
        recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      });
      const binary = (await openpgp.unarmor(await armored.text())).data as unknown as Uint8Array;
      for (const at of [binary.length >> 1, binary.length - 5]) {
        const tampered = binary.slice();
        tampered[at]! ^= 0x01;
        await expect(
          openpgp
            .decrypt({
              message: await openpgp.readMessage({ binaryMessage: tampered }),
              decryptionKeys: bob.secret,
              format: 'binary',
            })
            .then(async (r) => r.data),
          `${algorithm} at ${at}`,
        ).rejects.toThrow();
      }
    }
  });

  it('an attachment that can no longer be read fails with a clear error, encrypted or not', async () => {
    class VanishedFile extends File {
      override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
        return new ReadableStream({
          type: 'bytes',
          pull: (controller) => controller.error(new DOMException('The file changed', 'NotReadableError')),
        });
      }
    }
    const parts: PayloadPart[] = ['x', { base64: new VanishedFile([random(10)], 'plan.pdf') }];
    await expect(payloadBytes(parts)).rejects.toMatchObject({
      code: 'mime/invalid-input',
      message: '“plan.pdf” could not be read',
    });
    const bob = await keyPair('curve25519-legacy', 'bob@example.org');
    await expect(
      api.encryptPayload({
        payload: parts,
        recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      }),
    ).rejects.toMatchObject({ code: 'mime/invalid-input' });
  });

  it('an RSA signing key signs through OpenPGP.js, on a stream of the data; a v6 ECDSA key on the whole payload', async () => {
    const bob = await keyPair('curve25519-legacy', 'bob@example.org');
    const { rsa, fingerprint } = await unlockedRsaKey('rsa@example.org');
    const parts: PayloadPart[] = ['text\r\n', { base64: new Blob([random(1000)]) }];
    const { armored } = await api.encryptPayload({
      payload: parts,
      recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      signWith: fingerprint,
    });
    const opened = await openWith(armored, bob.secret, rsa.publicKey);
    expect(same(opened.data, await payloadBytes(parts))).toBe(true);
    // v6 one-pass packets carry the signature's salt, which only OpenPGP.js knows: its in-memory path.
    const ecdsa = await openpgp.generateKey({
      type: 'ecc',
      curve: 'nistP256',
      userIDs: [{ email: 'p256@example.org' }],
      passphrase: PASS,
      format: 'armored',
      config: { v6Keys: true },
    });
    await api.unlockKey(ecdsa.privateKey, PASS, 600_000);
    const v6 = await api.encryptPayload({
      payload: parts,
      recipients: [{ armoredPublic: bob.armoredPublic, address: 'bob@example.org' }],
      signWith: (await openpgp.readKey({ armoredKey: ecdsa.publicKey })).getFingerprint().toUpperCase(),
    });
    expect(same((await openWith(v6.armored, bob.secret, ecdsa.publicKey)).data, await payloadBytes(parts))).toBe(true);
  });

  it('signed only: a detached text signature made as the payload streams, for v4 and v6 keys; RSA and bare line ends through OpenPGP.js', async () => {
    const verify = async (signed: Blob, armoredSignature: string, armoredPublic: string) => {
      await openpgp.verify({
        message: await openpgp.createMessage({ text: await signed.text() }),
        signature: await openpgp.readSignature({ armoredSignature }),
        verificationKeys: await openpgp.readKey({ armoredKey: armoredPublic }),
        expectSigned: true,
      });
      return (await openpgp.readSignature({ armoredSignature })).packets[0]!.signatureType;
    };
    const file = random(3 * 1024 * 1024 + 7);
    const parts = buildPayloadParts(
      input([{ name: 'f.bin', type: 'application/octet-stream', content: new Blob([file]) }]),
      'clear',
    );
    for (const algorithm of ['curve25519-legacy', 'curve25519-v6'] as const) {
      const alice = await keyPair(algorithm, `alice-${algorithm}@example.org`);
      const { armoredSignature, hash, signed } = await api.signPayload({
        payload: parts,
        signWith: alice.summary.fingerprint,
      });
      expect(hash).toBe('sha512');
      expect(same(new Uint8Array(await signed.arrayBuffer()), await payloadBytes(parts))).toBe(true);
      expect(await verify(signed, armoredSignature, alice.armoredPublic)).toBe(openpgp.enums.signature.text);
      // A changed byte in the signed part is caught.
      const changed = new Uint8Array(await signed.arrayBuffer());
      changed[changed.length - 100]! ^= 1;
      await expect(verify(new Blob([changed]), armoredSignature, alice.armoredPublic)).rejects.toThrow(
        /digest did not match/,
      );
    }
    // RSA: OpenPGP.js signs a stream of the payload (text mode); the same bytes are sent.
    const { rsa, fingerprint: rsaFingerprint } = await unlockedRsaKey('rsa-signed@example.org');
    const byRsa = await api.signPayload({ payload: parts, signWith: rsaFingerprint });
    expect(same(new Uint8Array(await byRsa.signed.arrayBuffer()), await payloadBytes(parts))).toBe(true);
    expect(await verify(byRsa.signed, byRsa.armoredSignature, rsa.publicKey)).toBe(openpgp.enums.signature.text);
    // Bare line ends: the text signature is over the CRLF form, as OpenPGP.js makes it.
    const alice = await keyPair('curve25519-legacy', 'alice-lf@example.org');
    const bare = await api.signPayload({ payload: ['line one\nline two\r\n'], signWith: alice.summary.fingerprint });
    expect(await bare.signed.text()).toBe('line one\nline two\r\n');
    expect(await verify(bare.signed, bare.armoredSignature, alice.armoredPublic)).toBe(openpgp.enums.signature.text);
  });
});
