import type { ByteSink } from '../../../bytes/sink';
import { payloadChunks, payloadSize, type PayloadPart } from '../../../mime/payload-parts';
import { PartialPacket, uint32 } from './packets';
import { openSealing } from './seal-off-thread';
import type { SymmetricName } from './seipd';
import type { StreamSigner } from './signer';

export type StreamedEncryption = {
  sessionKey: { data: Uint8Array; algorithm: SymmetricName; aeadAlgorithm?: string };
  /** The Public-Key Encrypted Session Key packets, one per recipient key (from OpenPGP.js). */
  keyPackets: Uint8Array;
  signer: StreamSigner | null;
  date: Date;
};

/**
 * The payload as an armored OpenPGP message, a piece at a time: key packets, then an encrypted
 * packet holding [one-pass signature,] the literal data (binary, no file name) [and the
 * signature] — what OpenPGP.js's `encrypt` writes (RFC 9580 §10.3), without compression.
 */
export async function encryptToArmoredBlob(parts: PayloadPart[], options: StreamedEncryption): Promise<Blob> {
  const output = await openSealing({
    sessionKey: options.sessionKey,
    keyPackets: options.keyPackets,
    expectedBytes: payloadSize(parts),
  });
  try {
    // What goes inside the encrypted packet; the sealing stages encrypt and armor it.
    const encrypted = output.sink;
    const { signer } = options;
    if (signer) await encrypted.write(signer.onePass);
    const keepOpen: ByteSink = { write: (chunk) => encrypted.write(chunk), close: () => {} };
    const literal = new PartialPacket(11, keepOpen);
    // Format 'b', an empty file name, the date (RFC 9580 §5.9).
    await literal.write(Uint8Array.of(0x62, 0, ...uint32(Math.floor(options.date.getTime() / 1000))));
    for await (const chunk of payloadChunks(parts)) {
      await signer?.update(chunk);
      await literal.write(chunk);
    }
    await literal.close();
    if (signer) await encrypted.write(await signer.finish());
    await encrypted.close();
    // A spool file stays a File: its name is how the message's sender releases it (spoolsOf).
    return await output.blob();
  } catch (e) {
    output.abort();
    throw e;
  }
}
