import { createMessage, type Message, readSignature, sign, type PrivateKey } from 'openpgp';
import { concatBytes, packet } from './packets';
import { SIGNATURE_TYPE, type StreamSigner } from './signer';
import { readAllBytes } from '../../../bytes/join';

/** Chunks handed to OpenPGP.js and not yet hashed: bounds what waits between the two. */
const WAITING = 4;

type SignaturePacketView = { hashAlgorithm: number | null; signatureType: number | null };

/**
 * A StreamSigner for the keys the WebCrypto signer cannot sign with (RSA, ECDSA): OpenPGP.js signs
 * a stream of the data as it passes (its own hashing, in JavaScript), so the message is still never
 * held whole. The signature packet of a detached signature is the one that ends a one-pass signed
 * message (RFC 9580 §5.4). Only v4 keys: a v6 one-pass packet carries the signature's salt, which
 * OpenPGP.js chooses when it signs. Null when this cannot sign with `key`.
 */
export async function openpgpStreamSigner(
  key: PrivateKey,
  date: Date,
  type: keyof typeof SIGNATURE_TYPE = 'binary',
): Promise<StreamSigner | null> {
  const signing = await key.getSigningKey(undefined, date);
  if (signing.keyPacket.version !== 4) return null;
  const detached = async (data: Uint8Array | string | ReadableStream<Uint8Array | string>) => {
    const message = (
      type === 'text'
        ? await createMessage({ text: data as string })
        : await createMessage({ binary: data as Uint8Array })
    ) as Message<Uint8Array>;
    const signed = (await sign({ message, signingKeys: key, detached: true, date, format: 'binary' })) as unknown as
      Uint8Array | ReadableStream<Uint8Array>;
    return signed instanceof Uint8Array ? signed : readAllBytes(signed);
  };
  // The hash OpenPGP.js chooses for this key, found by signing nothing: the one-pass packet names it first.
  const probe = await detached(type === 'text' ? '' : new Uint8Array(0));
  const hashAlgorithm = (await signatureOf(probe)).hashAlgorithm!;

  const queue: (Uint8Array | string)[] = [];
  let ended = false;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  const data = new ReadableStream<Uint8Array | string>(
    {
      async pull(controller) {
        while (!queue.length && !ended) await new Promise<void>((ok) => (wakeReader = ok));
        if (queue.length) controller.enqueue(queue.shift()!);
        else controller.close();
        wakeWriter?.();
        wakeWriter = null;
      },
    },
    { highWaterMark: 0 },
  );
  const signature = detached(data);
  signature.catch(() => undefined); // reported by finish()
  const latin1 = new TextDecoder('latin1');

  return {
    onePass: packet(
      4,
      concatBytes(
        Uint8Array.of(3, SIGNATURE_TYPE[type], hashAlgorithm, signing.keyPacket.algorithm),
        Uint8Array.from(signing.getKeyID().toHex().match(/../g)!, (h) => parseInt(h, 16)),
        Uint8Array.of(1),
      ),
    ),
    async update(chunk) {
      // The chunk is only valid during this call: OpenPGP.js hashes a copy, a little later.
      queue.push(type === 'text' ? latin1.decode(chunk) : chunk.slice());
      wakeReader?.();
      wakeReader = null;
      while (queue.length > WAITING) await new Promise<void>((ok) => (wakeWriter = ok));
    },
    async finish() {
      ended = true;
      wakeReader?.();
      const bytes = await signature;
      const made = await signatureOf(bytes);
      if (made.hashAlgorithm !== hashAlgorithm || made.signatureType !== SIGNATURE_TYPE[type])
        throw new Error('The signature does not match its one-pass packet');
      return bytes;
    },
  };
}

async function signatureOf(binary: Uint8Array): Promise<SignaturePacketView> {
  return (await readSignature({ binarySignature: binary })).packets[0] as unknown as SignaturePacketView;
}
