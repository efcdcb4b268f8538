/// <reference lib="webworker" />
import { BlobSink } from '../../../bytes/sink';
import { ArmorSink } from '../armor';
import type { ArmorJobMessage, ArmorWorkerMessage } from './armor-off-thread';

/**
 * The armor stage of a streamed encryption on a second core: CRC-24, base64 and the copies into
 * Blobs were as much work as the encryption itself. Batches arrive transferred and go back empty
 * for reuse. One job at a time.
 */
/**
 * The armored message goes into Blobs of this size. Larger pieces are cheaper for Chromium to take
 * (bench:blob-io) but are held in this worker: 8 MiB kept a 50 MB send under 3× its size.
 */
const OUTPUT_PIECE = 8 * 1024 * 1024;

let job: { armor: ArmorSink; output: BlobSink } | null = null;

const post = (message: ArmorWorkerMessage, transfer: Transferable[] = []) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);

self.onmessage = async (event: MessageEvent<ArmorJobMessage>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'start': {
        const output = new BlobSink(OUTPUT_PIECE);
        job = { output, armor: new ArmorSink(output, message.withChecksum) };
        break;
      }
      case 'batch':
        if (job) await job.armor.write(new Uint8Array(message.buffer, 0, message.length));
        post({ type: 'free', buffer: message.buffer }, [message.buffer]);
        break;
      case 'end':
        if (!job) throw new Error('No armor job');
        await job.armor.close();
        post({ type: 'done', blob: job.output.result() });
        job = null;
        break;
      case 'abort':
        job = null;
        break;
    }
  } catch (e) {
    job = null;
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
