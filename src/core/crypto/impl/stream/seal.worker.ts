/// <reference lib="webworker" />
import type { ByteSink } from '../../../bytes/sink';
import { openSpool, type Spool } from '../../../bytes/spool';
import { openSealStages, type SealJobMessage, type SealWorkerMessage } from './seal-off-thread';

/**
 * The sealing stages of a streamed encryption on a second core: encrypting (WebCrypto and the MDC's
 * SHA-1), armor (CRC-24, base64) and writing the message out, while the first thread reads, encodes
 * and hashes for the signature. Batches arrive transferred and go back empty for reuse. One job at a
 * time; messages are handled in order, one after another.
 */
/**
 * Where the spool cannot be a file, the armored message goes into Blobs of this size. Larger
 * pieces are cheaper for Chromium to take (bench:blob-io) but are held in this worker: 8 MiB kept
 * a 50 MB send under 3× its size.
 */
const BLOB_PIECE = 8 * 1024 * 1024;

let job: { sink: ByteSink; output: Spool } | null = null;
let queue = Promise.resolve();

const post = (message: SealWorkerMessage, transfer: Transferable[] = []) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);

async function handle(message: SealJobMessage): Promise<void> {
  try {
    switch (message.type) {
      case 'start': {
        const output = await openSpool(message.job.expectedBytes, BLOB_PIECE);
        job = { output, sink: output };
        job.sink = await openSealStages(message.job, output);
        break;
      }
      case 'batch':
        if (job) await job.sink.write(new Uint8Array(message.buffer, 0, message.length));
        post({ type: 'free', buffer: message.buffer }, [message.buffer]);
        break;
      case 'end': {
        if (!job) throw new Error('No encryption job');
        await job.sink.close();
        const blob = await job.output.finish();
        job = null;
        post({ type: 'done', blob });
        break;
      }
      case 'abort':
        job?.output.abort();
        job = null;
        break;
    }
  } catch (e) {
    job?.output.abort();
    job = null;
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

self.onmessage = (event: MessageEvent<SealJobMessage>) => {
  queue = queue.then(() => handle(event.data));
};
