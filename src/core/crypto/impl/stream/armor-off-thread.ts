import { Rechunker, type ByteSink } from '../../../bytes/sink';
import { openSpool } from '../../../bytes/spool';
import { ArmorSink } from '../armor';

export type ArmorJobMessage =
  | { type: 'start'; withChecksum: boolean; expectedBytes: number }
  | { type: 'batch'; buffer: ArrayBuffer; length: number }
  | { type: 'end' }
  | { type: 'abort' };

export type ArmorWorkerMessage =
  { type: 'free'; buffer: ArrayBuffer } | { type: 'done'; blob: Blob } | { type: 'error'; message: string };

/** The armored output of one message: write the binary message, close, then take the Blob (a spool File where one could be written). */
export type ArmorOutput = { sink: ByteSink; blob(): Promise<Blob>; abort(): void };

const BATCH = 1 << 20;
/** Batches on their way or being armored: bounds the memory between the two threads. */
const IN_FLIGHT = 3;

let worker: Worker | null = null;
let busy: Promise<void> = Promise.resolve();

/**
 * Armor (and collect into a Blob) in a worker of its own when this thread may start one (the
 * browser), else here (Node tests). Jobs are queued: one message is armored at a time.
 */
export async function openArmor(withChecksum: boolean, expectedBytes: number): Promise<ArmorOutput> {
  if (typeof Worker === 'undefined') return inThread(withChecksum, expectedBytes);
  const previous = busy;
  let release!: () => void;
  busy = new Promise<void>((ok) => (release = ok));
  await previous;
  try {
    worker ??= new Worker(new URL('./armor.worker.ts', import.meta.url), { type: 'module', name: 'armor' });
  } catch {
    release();
    return inThread(withChecksum, expectedBytes);
  }
  return offThread(worker, withChecksum, expectedBytes, release);
}

async function inThread(withChecksum: boolean, expectedBytes: number): Promise<ArmorOutput> {
  const output = await openSpool(expectedBytes);
  const armor = new ArmorSink(output, withChecksum);
  return { sink: armor, blob: () => output.finish(), abort: () => output.abort() };
}

function offThread(
  armorWorker: Worker,
  withChecksum: boolean,
  expectedBytes: number,
  release: () => void,
): ArmorOutput {
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
    armorWorker.removeEventListener('message', onMessage);
    armorWorker.removeEventListener('error', onError);
    release();
  };
  const onMessage = (event: MessageEvent<ArmorWorkerMessage>) => {
    const message = event.data;
    if (message.type === 'free') {
      inFlight--;
      free.push(message.buffer);
    } else if (message.type === 'done') {
      finish(message.blob);
      end();
    } else {
      failure = new Error(`Armor failed: ${message.message}`);
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
    onMessage(new MessageEvent('message', { data: { type: 'error', message: 'the armor worker stopped' } }));
  };
  armorWorker.addEventListener('message', onMessage);
  armorWorker.addEventListener('error', onError);
  armorWorker.postMessage({ type: 'start', withChecksum, expectedBytes } satisfies ArmorJobMessage);

  // Batches of 1 MiB, copied into a buffer that is transferred and comes back empty.
  const sink = new Rechunker(BATCH, async (piece, last) => {
    if (piece.length) {
      while (inFlight >= IN_FLIGHT && !failure) await new Promise<void>((ok) => (wake = ok));
      if (failure) throw failure;
      const buffer = free.pop() ?? new ArrayBuffer(BATCH);
      new Uint8Array(buffer).set(piece);
      armorWorker.postMessage({ type: 'batch', buffer, length: piece.length } satisfies ArmorJobMessage, [buffer]);
      inFlight++;
    }
    if (last) armorWorker.postMessage({ type: 'end' } satisfies ArmorJobMessage);
  });
  return {
    sink,
    blob: () => result,
    abort() {
      if (settled) return;
      armorWorker.postMessage({ type: 'abort' } satisfies ArmorJobMessage);
      end();
    },
  };
}
