import {
  createMessage,
  decrypt,
  decryptKey,
  encrypt,
  encryptKey,
  encryptSessionKey,
  enums,
  generateKey,
  type Config,
  type Key,
  type Message,
  type PrivateKey,
  type PublicKey,
  type Signature,
  readKey,
  readMessage,
  readCleartextMessage,
  readPrivateKey,
  readSignature,
  sign,
  verify,
} from 'openpgp';
import { asciiLower } from '../mime/addresses';
import { AppError, isAppError } from '../errors/app-error';
import { keysForAddress } from './impl/address-keys';
import { checkSignatures, readKeys } from './impl/check-signatures';
import { armorMessage, dearmorStream } from './impl/armor';
import { encryptToArmoredBlob, type StreamedEncryption } from './impl/stream/encrypt-stream';
import { CrlfCheck, SIGNATURE_TYPE, type StreamSigner, streamSigner } from './impl/stream/signer';
import { openpgpStreamSigner } from './impl/stream/openpgp-signer';
import { openSeipdV1 } from './impl/stream/seipd-v1-open';
import { payloadBytes, payloadChunks, payloadSize } from '../mime/payload-parts';
import { openSpool } from '../bytes/spool';
import { discard } from '../bytes/join';
import { addUserId, applyRevocation, autocryptKeydata, extendExpiry, mergeKeys } from './impl/key-edits';
import { inspectKey, requirePassphrase, secretProtected } from './impl/key-limits';
import { summarizeKey } from './impl/key-summary';
import { parseKeyData } from './impl/parse-keys';
import { classifyOpenpgpError, openpgpErrorText } from './impl/openpgp-errors';
import { sessionKeyFor } from './impl/session-key';
import type { CryptoApi, GenerateKeyInput, StreamingCryptoApi } from './types';

async function decryptOrFail(armoredSecret: string, passphrase: string): Promise<PrivateKey> {
  const privateKey = await readPrivateKey({ armoredKey: armoredSecret });
  try {
    return await decryptKey({ privateKey, passphrase });
  } catch (cause) {
    if (classifyOpenpgpError(cause) === 'bad-passphrase')
      throw new AppError('crypto/bad-passphrase', 'Wrong passphrase', { cause });
    throw new AppError('crypto/failed', `Could not decrypt the key: ${openpgpErrorText(cause)}`, { cause });
  }
}

async function readEncryptedMessage(message: string | ReadableStream<string> | Uint8Array) {
  try {
    return message instanceof Uint8Array
      ? await readMessage({ binaryMessage: message })
      : await readMessage({ armoredMessage: message });
  } catch (cause) {
    throw new AppError('crypto/failed', 'Not an OpenPGP message', {
      cause,
      detail: 'The data is not a readable OpenPGP message.',
    });
  }
}

/**
 * A signer that signs as the data streams: WebCrypto's Ed25519, else OpenPGP.js hashing a stream
 * (v4 keys); null when only OpenPGP.js on the whole payload can sign with `key`.
 */
const payloadSigner = async (
  key: PrivateKey,
  date: Date,
  type: keyof typeof SIGNATURE_TYPE,
): Promise<StreamSigner | null> =>
  (await streamSigner(key, date, type)) ?? (await openpgpStreamSigner(key, date, type));

/** A detached signature, the name of the hash it used (for `micalg`) and what it signs. */
const described = (signature: Signature, signed: Blob) => ({
  armoredSignature: signature.armor(),
  hash: enums.read(enums.hash, signature.packets[0]!.hashAlgorithm!),
  signed,
});

/** An OpenPGP.js failure to open a received message, as the error the reader reports. */
function openFailure(cause: unknown): AppError {
  if (isAppError(cause)) return cause;
  const kind = classifyOpenpgpError(cause);
  const code = kind === 'too-large' ? 'crypto/too-large' : kind === 'integrity' ? 'crypto/integrity' : 'crypto/failed';
  return new AppError(code, `Decryption failed: ${openpgpErrorText(cause)}`, {
    cause,
    detail: openpgpErrorText(cause),
  });
}

const GENERATE_OPTIONS = {
  'curve25519-legacy': { type: 'ecc', curve: 'curve25519Legacy' },
  rsa3072: { type: 'rsa', rsaBits: 3072 },
  rsa4096: { type: 'rsa', rsaBits: 4096 },
  'curve25519-v6': { type: 'curve25519' },
} as const;

const WARM_UP_ROUNDS = 8;

/**
 * The OpenPGP.js implementation of CryptoApi. Runs in the crypto worker in the app and
 * in-process in Node tests. Unlocked keys live only here, in `unlocked`, until locked or timed out.
 */
export function createCryptoApi(options: { now?: () => Date } = {}): CryptoApi & StreamingCryptoApi {
  const now = options.now ?? (() => new Date());
  const unlocked = new Map<string, { key: PrivateKey; timer: ReturnType<typeof setTimeout>; lockedAt: number }>();
  let warmedUp: Promise<void> | undefined;

  const lock = (fingerprint: string) => {
    const entry = unlocked.get(fingerprint);
    if (!entry) return;
    clearTimeout(entry.timer);
    unlocked.delete(fingerprint);
    // Security: drop our reference; OpenPGP.js offers no way to zero the key material itself.
  };

  /**
   * An unlocked key, if it is still within its time. The time is checked at every use, not only by
   * the timer: timers sleep with a suspended laptop or a throttled background tab.
   */
  const unlockedKey = (fingerprint: string): PrivateKey | undefined => {
    const entry = unlocked.get(fingerprint.toUpperCase());
    if (!entry) return undefined;
    if (Date.now() >= entry.lockedAt) {
      lock(fingerprint.toUpperCase());
      return undefined;
    }
    return entry.key;
  };
  const liveFingerprints = () => [...unlocked.keys()].filter((f) => unlockedKey(f));

  /** The unlocked keys `message` is addressed to; `crypto/key-locked` when there is none. */
  const decryptionKeysFor = (message: Pick<Message<Uint8Array>, 'getEncryptionKeyIDs'>): PrivateKey[] => {
    const wanted = new Set(message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase()));
    const keys = liveFingerprints()
      .map((f) => unlocked.get(f)!.key)
      .filter((key) => key.getKeys().some((k) => wanted.has(k.getKeyID().toHex().toUpperCase())));
    if (keys.length === 0) throw new AppError('crypto/key-locked', 'No unlocked key can decrypt this message');
    return keys;
  };

  /**
   * Decrypt with the unlocked keys the message is addressed to (`crypto/key-locked` when none is)
   * and check each signature inside against `verifyWith`. OpenPGP.js errors are thrown as they are.
   */
  const decryptWith = async (
    message: Message<Uint8Array> | Message<string>,
    verifyWith: string[],
    config?: Partial<Config>,
  ) => {
    const decryptionKeys = decryptionKeysFor(message);
    const verificationKeys = await readKeys(verifyWith);
    const { data, signatures } = await decrypt({
      // The type only says what the message was read from; decrypting it gives binary either way.
      message: message as Message<Uint8Array>,
      decryptionKeys,
      ...(verificationKeys.length ? { verificationKeys } : {}),
      format: 'binary',
      date: now(),
      ...(config ? { config } : {}),
    });
    return { payload: data as Uint8Array, signatures: await checkSignatures(signatures, verificationKeys, now()) };
  };

  return {
    async generateKey(input: GenerateKeyInput) {
      requirePassphrase(input.passphrase);
      if (!input.email.includes('@'))
        throw new AppError('keys/invalid-input', 'No email', { detail: 'Enter the e-mail address the key is for.' });
      const algorithm = GENERATE_OPTIONS[input.algorithm];
      if (!algorithm) throw new AppError('keys/invalid-input', `Unknown algorithm ${input.algorithm}`);
      const v6 = input.algorithm === 'curve25519-v6';
      let generated;
      try {
        generated = await generateKey({
          ...algorithm,
          userIDs: [{ name: input.name.trim() || undefined, email: input.email.trim() }],
          passphrase: input.passphrase,
          keyExpirationTime: input.expiresInSeconds,
          date: now(),
          format: 'object',
          config: v6 ? { v6Keys: true, aeadProtect: true } : { v6Keys: false, aeadProtect: false },
        });
      } catch (cause) {
        throw new AppError('keys/invalid-input', `generateKey failed: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
      return {
        summary: await summarizeKey(generated.privateKey, now()),
        armoredPublic: generated.publicKey.armor(),
        armoredSecret: generated.privateKey.armor(),
        revocationCertificate: generated.revocationCertificate,
      };
    },

    async inspectKeys(data) {
      return Promise.all((await parseKeyData(data)).map((key) => inspectKey(key, now())));
    },

    keysForAddress: (data, address, vouchingKey) => keysForAddress(data, address, now(), vouchingKey),

    warmUpKeyChecks() {
      warmedUp ??= (async () => {
        const address = 'warm-up@example.invalid';
        const { publicKey } = await generateKey({ userIDs: [{ email: address }], format: 'binary' });
        // Measured in Chromium: 20 keys take ~90 ms cold, ~30 ms after about 80 runs.
        for (let round = 0; round < WARM_UP_ROUNDS; round++) {
          await Promise.all(Array.from({ length: 10 }, () => keysForAddress(publicKey.slice(), address, now())));
        }
      })();
      return warmedUp;
    },

    async encryptPayload({ payload, recipients, signWith }) {
      if (recipients.length === 0) throw new AppError('crypto/failed', 'No recipients to encrypt to');
      const encryptionKeys: Key[] = [];
      const encryptionUserIDs: { name?: string; email?: string }[] = [];
      for (const r of recipients) {
        const key = await readKey({ armoredKey: r.armoredPublic });
        // OpenPGP.js matches user IDs exactly and case-sensitively: find the stored spelling ourselves.
        const user = key.users.find((u) => u.userID && asciiLower(u.userID.email) === asciiLower(r.address));
        if (!user?.userID) throw new AppError('crypto/failed', `The key for ${r.address} has no user ID for it`);
        encryptionKeys.push(key);
        encryptionUserIDs.push({ email: user.userID.email });
      }
      const signer = signWith ? unlockedKey(signWith) : undefined;
      if (signWith && !signer) throw new AppError('crypto/key-locked', `Key ${signWith} is locked`);
      const parts = typeof payload === 'string' ? [payload] : payload;
      const date = now();
      try {
        const sessionKey = await sessionKeyFor(encryptionKeys, encryptionUserIDs, date);
        const streamed = signer ? await payloadSigner(signer, date, 'binary') : null;
        if (signer && !streamed) {
          // A v6 signing key of another algorithm than Ed25519: OpenPGP.js, on the whole payload.
          const binary = await encrypt({
            message: await createMessage({ binary: await payloadBytes(parts) }),
            encryptionKeys: encryptionKeys as PublicKey[],
            encryptionUserIDs,
            sessionKey,
            signingKeys: signer,
            date,
            format: 'binary',
          });
          return { armored: await armorMessage(binary as Uint8Array, !sessionKey.aeadAlgorithm) };
        }
        const keyPackets = await encryptSessionKey({
          ...sessionKey,
          encryptionKeys: encryptionKeys as PublicKey[],
          encryptionUserIDs,
          date,
          format: 'binary',
        });
        return {
          armored: await encryptToArmoredBlob(parts, {
            sessionKey: sessionKey as StreamedEncryption['sessionKey'],
            keyPackets,
            signer: streamed,
            date,
          }),
        };
      } catch (cause) {
        if (isAppError(cause)) throw cause;
        throw new AppError('crypto/failed', `Encryption failed: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
    },

    async encryptedFor(message) {
      // Read as a stream: the key packets come first, so a large message is not parsed whole.
      let at = 0;
      const chunks =
        typeof message === 'string'
          ? new ReadableStream<string>({
              pull(out) {
                if (at >= message.length) return out.close();
                out.enqueue(message.slice(at, (at += 64 * 1024)));
              },
            })
          : message;
      return (await readEncryptedMessage(chunks))
        .getEncryptionKeyIDs()
        .map((id) => id.toHex().toUpperCase())
        .filter((id) => !/^0+$/.test(id));
    },

    async openEncrypted(data, { verifyWith, maxDecompressedBytes }) {
      let message: Message<Uint8Array>;
      try {
        message = (
          typeof data === 'string'
            ? await readMessage({ armoredMessage: data })
            : await readMessage({ binaryMessage: data })
        ) as typeof message;
      } catch (cause) {
        throw new AppError('crypto/integrity', `Not a readable OpenPGP message: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
      try {
        return await decryptWith(message, verifyWith, { maxDecompressedMessageSize: maxDecompressedBytes });
      } catch (cause) {
        throw openFailure(cause);
      }
    },

    async openEncryptedStream(armored, { verifyWith, maxDecompressedBytes }) {
      let message: Message<ReadableStream<Uint8Array>>;
      try {
        message = (await readMessage({ binaryMessage: dearmorStream(armored) })) as unknown as typeof message;
      } catch (cause) {
        throw new AppError('crypto/integrity', `Not a readable OpenPGP message: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
      const keys = decryptionKeysFor(message);
      const verificationKeys = await readKeys(verifyWith);
      // Plaintext is released before the MDC is checked, but only to the caller, which shows
      // nothing unless the stream ends without an error (the error comes at its end).
      const config = { maxDecompressedMessageSize: maxDecompressedBytes, allowUnauthenticatedStream: true };
      const date = now();
      let opened;
      try {
        opened =
          (await openSeipdV1(message, keys, verificationKeys, date, config)) ??
          (await decrypt({
            message,
            decryptionKeys: keys,
            ...(verificationKeys.length ? { verificationKeys } : {}),
            format: 'binary',
            date,
            config,
          }));
      } catch (cause) {
        throw openFailure(cause);
      }
      const plaintext = (opened.data as unknown as ReadableStream<Uint8Array>).getReader();
      const signatures = checkSignatures(opened.signatures, verificationKeys, now());
      signatures.catch(() => undefined); // settles once the data is read; a failed read says why
      const data = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              const { value, done } = await plaintext.read();
              if (done) controller.close();
              else controller.enqueue(value);
            } catch (cause) {
              controller.error(openFailure(cause));
            }
          },
          cancel: (reason) => plaintext.cancel(reason),
        },
        { highWaterMark: 0 },
      );
      return { data, signatures };
    },

    async verifyDetached(data, armoredSignature, verifyWith) {
      const verificationKeys = await readKeys(verifyWith);
      try {
        const streamed = data instanceof Blob;
        const result = await verify({
          message: await createMessage({ binary: streamed ? (data.stream() as ReadableStream<Uint8Array>) : data }),
          signature: await readSignature({ armoredSignature }),
          verificationKeys,
          date: now(),
          format: 'binary',
        });
        // A streamed message's signatures settle as its data is read through: read it meanwhile, or
        // the data is buffered for the hash.
        const [checks] = await Promise.all([
          checkSignatures(result.signatures, verificationKeys, now()),
          streamed ? discard(result.data as unknown as ReadableStream<Uint8Array>) : null,
        ]);
        return checks;
      } catch (cause) {
        throw new AppError('crypto/failed', `Not a readable signature: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
    },

    async verifyCleartext(armored, verifyWith) {
      const verificationKeys = await readKeys(verifyWith);
      try {
        const { data, signatures } = await verify({
          message: await readCleartextMessage({ cleartextMessage: armored }),
          verificationKeys,
          date: now(),
        });
        return { text: data, signatures: await checkSignatures(signatures, verificationKeys, now()) };
      } catch (cause) {
        throw new AppError('crypto/failed', `Not a readable signed text: ${openpgpErrorText(cause)}`, {
          cause,
          detail: openpgpErrorText(cause),
        });
      }
    },

    autocryptKeydata: (armoredPublic, address) => autocryptKeydata(armoredPublic, address, now()),

    async signPayload({ payload, signWith }) {
      const signer = unlockedKey(signWith);
      if (!signer) throw new AppError('crypto/key-locked', `Key ${signWith} is locked`);
      const date = now();
      const chunks = typeof payload === 'string' ? [new TextEncoder().encode(payload)] : payloadChunks(payload);
      const streamed = await payloadSigner(signer, date, 'text');
      if (streamed) {
        const signed = await openSpool(typeof payload === 'string' ? payload.length : payloadSize(payload));
        try {
          const lineEnds = new CrlfCheck();
          for await (const chunk of chunks) {
            lineEnds.push(chunk);
            await streamed.update(chunk);
            signed.write(chunk);
          }
          signed.close();
          if (lineEnds.allCrlf())
            return described(await readSignature({ binarySignature: await streamed.finish() }), await signed.finish());
        } catch (e) {
          signed.abort();
          throw e;
        }
        signed.abort();
      }
      // v6 keys other than Ed25519, and text whose line ends the text signature would change:
      // OpenPGP.js, on the whole payload.
      const text = typeof payload === 'string' ? payload : new TextDecoder().decode(await payloadBytes(payload));
      const armoredSignature = (await sign({
        message: await createMessage({ text }),
        signingKeys: signer,
        detached: true,
        date,
        format: 'armored',
      })) as string;
      return described(await readSignature({ armoredSignature }), new Blob([text]));
    },

    mergeKeys: (stored, incoming) => mergeKeys(stored, incoming, now()),

    async protectKey(armoredSecret, passphrase) {
      requirePassphrase(passphrase);
      const privateKey = await readPrivateKey({ armoredKey: armoredSecret });
      if (secretProtected(privateKey)) throw new AppError('keys/invalid-input', 'Key is already protected');
      const encrypted = await encryptKey({ privateKey, passphrase });
      return encrypted.armor();
    },

    async unlockKey(armoredSecret, passphrase, ttlMs) {
      const key = await decryptOrFail(armoredSecret, passphrase);
      const fingerprint = key.getFingerprint().toUpperCase();
      lock(fingerprint);
      const lockedAt = Date.now() + ttlMs;
      unlocked.set(fingerprint, { key, lockedAt, timer: setTimeout(() => lock(fingerprint), ttlMs) });
      return { fingerprint, lockedAt };
    },

    async lockKey(fingerprint) {
      lock(fingerprint.toUpperCase());
    },

    async lockAll() {
      for (const fingerprint of [...unlocked.keys()]) lock(fingerprint);
    },

    async unlockedKeys() {
      return liveFingerprints();
    },

    async addUserId(fingerprint, userId, armoredSecret) {
      const key = unlockedKey(fingerprint);
      if (!key) throw new AppError('crypto/key-locked', `Key ${fingerprint} is locked`);
      return addUserId({ unlockedKey: key, fingerprint, userId, armoredSecret, now: now() });
    },

    async extendExpiry(fingerprint, expiresAt, armoredSecret) {
      const key = unlockedKey(fingerprint);
      if (!key) throw new AppError('crypto/key-locked', `Key ${fingerprint} is locked`);
      return extendExpiry({
        unlockedKey: key,
        fingerprint,
        expiresAt: new Date(expiresAt),
        armoredSecret,
        now: now(),
      });
    },

    applyRevocation: (stored, revocationCertificate) => applyRevocation(stored, revocationCertificate, now()),
  };
}
