import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../errors/app-error';
import { readAllBytes } from '../../../bytes/join';
import { createCryptoApi } from '../../api';
import type { GeneratedKey } from '../../types';
import { openSeipdV1 } from './seipd-v1-open';

const api = createCryptoApi();
const PASS = 'seipd v1 passphrase';
const MAX = 8 * 1024 * 1024;
const { packet, symmetric, compression } = openpgp.enums;

let bob: GeneratedKey;
let alice: GeneratedKey;
let bobV6: GeneratedKey;
let bobSecret: openpgp.PrivateKey;
let bobPublic: openpgp.PublicKey;
let alicePublic: openpgp.PublicKey;

beforeAll(async () => {
  const gen = (name: string, algorithm: 'curve25519-legacy' | 'curve25519-v6' = 'curve25519-legacy') =>
    api.generateKey({ name, email: `${name}@example.org`, passphrase: PASS, algorithm, expiresInSeconds: 0 });
  [bob, alice, bobV6] = await Promise.all([gen('bob'), gen('alice'), gen('bobsix', 'curve25519-v6')]);
  for (const k of [bob, alice, bobV6]) await api.unlockKey(k.armoredSecret, PASS, 600_000);
  bobSecret = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: bob.armoredSecret }),
    passphrase: PASS,
  });
  bobPublic = await openpgp.readKey({ armoredKey: bob.armoredPublic });
  alicePublic = await openpgp.readKey({ armoredKey: alice.armoredPublic });
}, 60_000);

const random = (length: number) => {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
};

/** `bytes` as a stream in pieces of `size`. */
const inPieces = (bytes: Uint8Array, size: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });

/** A SEIPDv1 message to Bob, signed by Alice unless `signed` is false, as OpenPGP.js makes it. */
async function seipdV1(data: Uint8Array, config: Partial<openpgp.Config> = {}, signed = true): Promise<Uint8Array> {
  const aliceSecret = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: alice.armoredSecret }),
    passphrase: PASS,
  });
  return (await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }),
    encryptionKeys: bobPublic,
    ...(signed ? { signingKeys: aliceSecret } : {}),
    format: 'binary',
    config: { aeadProtect: false, preferredCompressionAlgorithm: compression.uncompressed, ...config },
  })) as Uint8Array;
}

/** A SEIPDv1 message to Bob's key and to a password: this path leaves it to OpenPGP.js. */
const toKeyAndPassword = async (data: Uint8Array) =>
  (await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }),
    encryptionKeys: bobPublic,
    passwords: ['also a password'],
    format: 'binary',
    config: { aeadProtect: false },
  })) as Uint8Array;

const armored = (binary: Uint8Array) => new TextEncoder().encode(openpgp.armor(openpgp.enums.armor.message, binary));

/** Open through the API; the data and the signatures, or the AppError it fails with. */
async function open(binary: Uint8Array, pieceSize = 4096) {
  try {
    const opened = await api.openEncryptedStream(inPieces(armored(binary), pieceSize), {
      verifyWith: [alice.armoredPublic],
      maxDecompressedBytes: MAX,
    });
    const data = await readAllBytes(opened.data);
    return { data, signatures: await opened.signatures };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { error };
  }
}

/** Whether this path (not OpenPGP.js's `decrypt`) takes the message. */
async function takenHere(binary: Uint8Array, recipient = bobSecret): Promise<boolean> {
  const message = await openpgp.readMessage({ binaryMessage: inPieces(binary, 4096) });
  const opened = await openSeipdV1(message, [recipient], [alicePublic], new Date(), {});
  if (opened) await opened.data.cancel();
  return opened !== null;
}

/** A SEIPDv1 message to Bob whose encrypted packets are `inner`, with a valid MDC. */
async function withInnerPackets(inner: openpgp.PacketList<openpgp.AnyPacket>): Promise<Uint8Array> {
  const sessionKey = await openpgp.generateSessionKey({ encryptionKeys: bobPublic });
  const keyPackets = (await openpgp.encryptSessionKey({
    ...sessionKey,
    encryptionKeys: bobPublic,
    format: 'binary',
  })) as Uint8Array;
  // The packet's own API (not in OpenPGP.js's types): it encrypts whatever packets it is given.
  const packetClass = openpgp.SymEncryptedIntegrityProtectedDataPacket as unknown as {
    fromObject(options: { version: number }): {
      packets: openpgp.PacketList<openpgp.AnyPacket>;
      encrypt(algorithm: number, key: Uint8Array): Promise<void>;
    };
  };
  const seipd = packetClass.fromObject({ version: 1 });
  seipd.packets = inner;
  await seipd.encrypt(symmetric[sessionKey.algorithm as 'aes256'], sessionKey.data);
  const list = new openpgp.PacketList();
  list.push(seipd as unknown as openpgp.AnyPacket);
  const seipdBytes = list.write();
  const out = new Uint8Array(keyPackets.length + seipdBytes.length);
  out.set(keyPackets);
  out.set(seipdBytes, keyPackets.length);
  return out;
}

/**
 * A message's key packets, and where its SEIPD packet's ciphertext begins (after the packet
 * header and the version octet), for a message short enough to have no partial lengths.
 */
async function layout(binary: Uint8Array): Promise<{ keyPackets: Uint8Array; ciphertextStart: number }> {
  const message = await openpgp.readMessage({ binaryMessage: binary });
  const keyPackets = message.packets.filterByTag(packet.publicKeyEncryptedSessionKey).write();
  const lengthOctet = binary[keyPackets.length + 1]!;
  expect(lengthOctet < 224 || lengthOctet === 255).toBe(true);
  const lengthBytes = lengthOctet < 192 ? 1 : lengthOctet < 224 ? 2 : 5;
  return { keyPackets, ciphertextStart: keyPackets.length + 1 + lengthBytes + 1 };
}

/** A SEIPDv1 packet (new format, five-octet length) around `ciphertext`. */
function seipdPacket(ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(7 + ciphertext.length);
  out.set([0xc0 | packet.symEncryptedIntegrityProtectedData, 0xff]);
  new DataView(out.buffer).setUint32(2, ciphertext.length + 1);
  out[6] = 1;
  out.set(ciphertext, 7);
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('SEIPDv1 read as it streams', () => {
  it('decrypts and verifies whatever the length of the data and of the pieces it arrives in', async () => {
    for (const length of [0, 1, 15, 16, 17, 21, 22, 23, 1000, 300_007]) {
      const data = random(length);
      const binary = await seipdV1(data);
      expect(await takenHere(binary)).toBe(true);
      for (const pieceSize of length < 2000 ? [1, 7, 16, 17, 23, 4096] : [65_536, 1_000_003]) {
        const opened = await open(binary, pieceSize);
        expect(opened.error, `${length} bytes in pieces of ${pieceSize}`).toBeUndefined();
        expect(same(opened.data!, data), `${length} bytes in pieces of ${pieceSize}`).toBe(true);
        expect(opened.signatures!.map((s) => s.result)).toEqual(['good']);
      }
    }
  });

  it('AES-128 and AES-192 session keys, compressed data, and an unsigned message', async () => {
    const data = random(50_000);
    for (const config of [
      { preferredSymmetricAlgorithm: symmetric.aes128 },
      { preferredSymmetricAlgorithm: symmetric.aes192 },
      { preferredCompressionAlgorithm: compression.zlib },
    ]) {
      const binary = await seipdV1(data, config);
      expect(await takenHere(binary)).toBe(true);
      const opened = await open(binary);
      expect(same(opened.data!, data)).toBe(true);
      expect(opened.signatures!.map((s) => s.result)).toEqual(['good']);
    }
    const unsigned = await open(await seipdV1(data, {}, false));
    expect(same(unsigned.data!, data)).toBe(true);
    expect(unsigned.signatures).toEqual([]);
  });

  it('any byte of the ciphertext changed: "Modification detected", never data read to its end', async () => {
    const binary = await seipdV1(new TextEncoder().encode('secret words, and more of them'.repeat(3)));
    const start = (await layout(binary)).ciphertextStart;
    expect(binary.length - start).toBeGreaterThan(200);
    for (let at = start; at < binary.length; at++) {
      const altered = binary.slice();
      altered[at]! ^= 0x01;
      const opened = await open(altered, 64);
      expect(opened.data, `byte ${at - start} of the ciphertext`).toBeUndefined();
      expect(opened.error?.code, `byte ${at - start}`).toBe('crypto/integrity');
      expect(opened.error?.detail, `byte ${at - start}`).toMatch(/Modification detected/);
    }
    // In a large body: the prefix, the packet headers inside (a parse error there waits for the
    // MDC, read to the end), the middle of the data, the MDC packet.
    const large = await seipdV1(random(300_000));
    const largeStart = (await layout(large)).ciphertextStart;
    const length = large.length - largeStart;
    for (const at of [0, 17, 18, 19, 25, 40, 150_000, length - 22, length - 1]) {
      const altered = large.slice();
      altered[largeStart + at]! ^= 0x80;
      const opened = await open(altered, 65_536);
      expect(opened.data, `byte ${at} of ${length}`).toBeUndefined();
      expect(opened.error?.detail, `byte ${at} of ${length}`).toMatch(/Modification detected/);
    }
  });

  it('a ciphertext cut short, by a byte or by its whole MDC, is modified, not opened', async () => {
    const binary = await seipdV1(random(1000));
    const { keyPackets, ciphertextStart } = await layout(binary);
    const ciphertext = binary.subarray(ciphertextStart);
    for (const cut of [1, 2, 16, 21, 22, 23, ciphertext.length - 39, ciphertext.length]) {
      const shortened = seipdPacket(ciphertext.subarray(0, ciphertext.length - cut));
      const message = new Uint8Array(keyPackets.length + shortened.length);
      message.set(keyPackets);
      message.set(shortened, keyPackets.length);
      const opened = await open(message);
      expect(opened.data, `cut ${cut}`).toBeUndefined();
      expect(opened.error?.detail, `cut ${cut}`).toMatch(/Modification detected/);
    }
  });

  it('an authentic body whose packets are not a plain message fails with that reason, not as modified', async () => {
    const userId = new openpgp.PacketList();
    userId.push(openpgp.UserIDPacket.fromObject({ email: 'x@example.org' }) as unknown as openpgp.AnyPacket);
    const nested = await openpgp.readMessage({ binaryMessage: await seipdV1(random(100)) });
    for (const inner of [userId, nested.packets]) {
      const binary = await withInnerPackets(inner as openpgp.PacketList<openpgp.AnyPacket>);
      const opened = await open(binary);
      expect(opened.data).toBeUndefined();
      expect(opened.error?.detail).toMatch(/not allowed/i);
      expect(opened.error?.detail).not.toMatch(/Modification/);
    }
  });

  it('packets after the encrypted data break the message grammar, as in OpenPGP.js', async () => {
    const binary = await seipdV1(random(1000));
    const trailing = new openpgp.PacketList();
    trailing.push((await openpgp.createMessage({ binary: random(10) })).packets[0]!);
    const extra = trailing.write();
    const appended = new Uint8Array(binary.length + extra.length);
    appended.set(binary);
    appended.set(extra, binary.length);
    const opened = await open(appended);
    expect(opened.data).toBeUndefined();
    expect(opened.error?.code).toBe('crypto/integrity');
  });

  it('other messages take OpenPGP.js’s path: SEIPDv2, and a password as well as a key', async () => {
    const data = random(5000);
    const v6Secret = await openpgp.decryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: bobV6.armoredSecret }),
      passphrase: PASS,
    });
    const v2 = (await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data }),
      encryptionKeys: v6Secret.toPublic(),
      format: 'binary',
    })) as Uint8Array;
    expect((await openpgp.readMessage({ binaryMessage: v2 })).packets[1]).toMatchObject({ version: 2 });
    expect(await takenHere(v2, v6Secret)).toBe(false);
    expect(same((await open(v2)).data!, data)).toBe(true);
    const withPassword = await toKeyAndPassword(data);
    expect(await takenHere(withPassword)).toBe(false);
    expect(same((await open(withPassword)).data!, data)).toBe(true);
  });

  it('a reader that stops early cancels the download', async () => {
    const data = random(2_000_000);
    // The first takes OpenPGP.js's path, the second this one.
    for (const [i, binary] of [await toKeyAndPassword(data), await seipdV1(data)].entries()) {
      let cancelled: unknown = null;
      const source = inPieces(armored(binary), 65_536).getReader();
      const stream = new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          const { value, done } = await source.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => {
          cancelled = reason;
        },
      });
      const opened = await api.openEncryptedStream(stream, { verifyWith: [], maxDecompressedBytes: MAX });
      const reader = opened.data.getReader();
      await reader.read();
      await reader.cancel('closed');
      expect(cancelled, `message ${i}`).toBe('closed');
    }
  });
});
