import { Rechunker, type ByteSink } from '../../../bytes/sink';
import { openSpool, type Spool } from '../../../bytes/spool';
import { ArmorSink } from '../armor';
import { PartialPacket } from './packets';
import { openSeipd, type SymmetricName } from './seipd';

/** What the sealing stage needs: the session key packets go out as they are, the rest is encrypted with the session key. */
export type SealJob = {
  sessionKey: { data: Uint8Array; algorithm: SymmetricName; aeadAlgorithm?: string };
  /** The Public-Key Encrypted Session Key packets, one per recipient key. */
  keyPackets: Uint8Array;
  /** About how large the plaintext is: whether the output goes to a spool file. */
  expectedBytes: number;
};

export type SealJobMessage =
  | { type: 'start'; job: SealJob }
  | { type: 'batch'; buffer: ArrayBuffer; length: number }
  | { type: 'end' }
  | { type: 'abort' };

export type SealWorkerMessage =
  { type: 'free'; buffer: ArrayBuffer } | { type: 'done'; blob: Blob } | { type: 'error'; message: string };

/**
 * The sealed output of one message: write the packets that go inside the encrypted packet, close,
 * then take the armored message as a Blob (a spool File where one could be written).
 */
export type SealedOutput = { sink: ByteSink; blob(): Promise<Blob>; abort(): void };

/**
 * The stages after the plaintext packets: the Symmetrically Encrypted Integrity Protected Data
 * packet after the key packets, armored into `output`. Closing the returned sink closes `output`.
 */
export async function openSealStages(job: SealJob, output: Spool): Promise<ByteSink> {
  // RFC 9580 forbids the CRC-24 line after SEIPDv2; after SEIPDv1 it is written (see ArmorSink).
  const armor = new ArmorSink(output, !job.sessionKey.aeadAlgorithm);
  await armor.write(job.keyPackets);
  return openSeipd(job.sessionKey, new PartialPacket(18, armor));
}

const BATCH = 1 << 20;
/** Batches on their way or being sealed: bounds the memory between the two threads. */
const IN_FLIGHT = 3;

let worker: Worker | null = null;
let busy: Promise<void> = Promise.resolve();

/**
 * Encrypt, armor and collect into a Blob in a worker of its own when this thread may start one
 * (the browser), else here (Node tests). In a worker, WebCrypto encrypts on the calling thread and
 * hands each result over in new memory (for 137 MB of AES-GCM, 400–490 ms on a 2-core VM, where
 * OpenSSL takes 45): on the thread that also reads, base64-encodes and hashes for the signature,
 * that made the thread the whole message's bottleneck (1.1–1.8 s of CPU in a 1.4–2.2 s run for
 * 100 MB, the other worker 0.4–0.7 s). Jobs are queued: one message is sealed at a time.
 */
export async function openSealing(job: SealJob): Promise<SealedOutput> {
  if (typeof Worker === 'undefined') return inThread(job);
  const previous = busy;
  let release!: () => void;
  busy = new Promise<void>((ok) => (release = ok));
  await previous;
  try {
    worker ??= new Worker(new URL('./seal.worker.ts', import.meta.url), { type: 'module', name: 'seal' });
  } catch {
    release();
    return inThread(job);
  }
  return offThread(worker, job, release);
}

async function inThread(job: SealJob): Promise<SealedOutput> {
  const output = await openSpool(job.expectedBytes);
  try {
    const sink = await openSealStages(job, output);
    return { sink, blob: () => output.finish(), abort: () => output.abort() };
  } catch (e) {
    output.abort();
    throw e;
  }
}

function offThread(sealWorker: Worker, job: SealJob, release: () => void): SealedOutput {
  const free: ArrayBuffer[] = [];
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let settled = false;
  let finish!: (blob: Blob) => void;
  let fail!: (e: Error) => void;
  const result = new Promise<Blob>((ok, no) => {
    finish = ok;
    fail = no;
  });
  result.catch(() => {});

  const end = () => {
    if (settled) return;
    settled = true;
    sealWorker.removeEventListener('message', onMessage);
    sealWorker.removeEventListener('error', onError);
    release();
  };
  const onMessage = (event: MessageEvent<SealWorkerMessage>) => {
    const message = event.data;
    if (message.type === 'free') {
      inFlight--;
      free.push(message.buffer);
    } else if (message.type === 'done') {
      finish(message.blob);
      end();
    } else {
      failure = new Error(`Encryption failed: ${message.message}`);
      fail(failure);
      end();
    }
    wake?.();
    wake = null;
  };
  // A worker that cannot load or dies takes the job with it, never leaves it waiting.
  const onError = (event: Event) => {
    event.preventDefault();
    worker = null;
    onMessage(new MessageEvent('message', { data: { type: 'error', message: 'the encrypting worker stopped' } }));
  };
  sealWorker.addEventListener('message', onMessage);
  sealWorker.addEventListener('error', onError);
  sealWorker.postMessage({ type: 'start', job } satisfies SealJobMessage);

  // Batches of 1 MiB, copied into a buffer that is transferred and comes back empty.
  const sink = new Rechunker(BATCH, async (piece, last) => {
    if (piece.length) {
      while (inFlight >= IN_FLIGHT && !failure) await new Promise<void>((ok) => (wake = ok));
      if (failure) throw failure;
      const buffer = free.pop() ?? new ArrayBuffer(BATCH);
      new Uint8Array(buffer).set(piece);
      sealWorker.postMessage({ type: 'batch', buffer, length: piece.length } satisfies SealJobMessage, [buffer]);
      inFlight++;
    }
    if (last) sealWorker.postMessage({ type: 'end' } satisfies SealJobMessage);
  });
  return {
    sink,
    blob: () => result,
    abort() {
      if (settled) return;
      sealWorker.postMessage({ type: 'abort' } satisfies SealJobMessage);
      end();
    },
  };
}
