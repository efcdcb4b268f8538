import { Rechunker, type ByteSink } from '../../../bytes/sink';
import { AppError } from '../../../errors/app-error';

/**
 * One stage of a streamed encryption handing its output to the next stage in another worker:
 * 1 MiB batches copied into buffers that are transferred and come back empty for reuse, at most a
 * few in flight; the other side's result is a Blob.
 */
export type PipeMessage<Job> =
  | { type: 'start'; job: Job }
  | { type: 'batch'; buffer: ArrayBuffer; length: number }
  | { type: 'end' }
  | { type: 'abort' };

export type PipeReply =
  { type: 'free'; buffer: ArrayBuffer } | { type: 'done'; blob: Blob } | { type: 'error'; message: string };

/** Write the input, close, then take the Blob the stages made of it. */
export type StagedOutput = { sink: ByteSink; blob(): Promise<Blob>; abort(): void };

const BATCH = 1 << 20;
/** Batches on their way or being worked on: bounds the memory between the two threads. */
const IN_FLIGHT = 3;

type Endpoint = Pick<Worker, 'postMessage' | 'addEventListener' | 'removeEventListener'> & { start?(): void };

/**
 * Send a job to `endpoint` (a worker, or a port to one) and stream its input there. `watch`: the
 * workers whose death fails the job (with the port's own worker, a port has no error event).
 * `settled` runs once the job is done, failed or aborted.
 */
export function pipeTo<Job>(
  endpoint: Endpoint,
  job: Job,
  options: {
    transfer?: Transferable[];
    watch?: Worker[];
    settled?: () => void;
    /** The error when a watched worker dies, and what is done about that worker. */
    stopped: string;
    onStopped?: () => void;
  },
): StagedOutput {
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
  const watched = [...(options.watch ?? [])];

  const end = () => {
    if (settled) return;
    settled = true;
    endpoint.removeEventListener('message', onMessage as EventListener);
    for (const w of watched) w.removeEventListener('error', onError);
    options.settled?.();
  };
  const wakeWriter = () => {
    wake?.();
    wake = null;
  };
  const stop = (error: Error) => {
    failure = error;
    fail(failure);
    end();
    wakeWriter();
  };
  const onMessage = (event: MessageEvent<PipeReply>) => {
    const message = event.data;
    if (message.type === 'free') {
      inFlight--;
      free.push(message.buffer);
      wakeWriter();
    } else if (message.type === 'done') {
      finish(message.blob);
      end();
    } else {
      stop(new Error(message.message));
    }
  };
  // A worker that cannot load or dies takes the job with it, never leaves it waiting. One whose
  // script could not be downloaded reports a plain Event; one that failed while running, an ErrorEvent.
  const onError = (event: Event) => {
    event.preventDefault();
    options.onStopped?.();
    stop(
      typeof ErrorEvent !== 'undefined' && event instanceof ErrorEvent && event.message
        ? new Error(`${options.stopped}: ${event.message}`)
        : new AppError('app/code-unavailable', `${options.stopped}: its code could not be loaded`),
    );
  };
  if ('terminate' in endpoint) watched.push(endpoint as Worker);
  endpoint.addEventListener('message', onMessage as EventListener);
  endpoint.start?.();
  for (const w of watched) w.addEventListener('error', onError);
  endpoint.postMessage({ type: 'start', job } satisfies PipeMessage<Job>, options.transfer ?? []);

  const sink = new Rechunker(BATCH, async (piece, last) => {
    if (piece.length) {
      while (inFlight >= IN_FLIGHT && !failure) await new Promise<void>((ok) => (wake = ok));
      if (failure) throw failure;
      const buffer = free.pop() ?? new ArrayBuffer(BATCH);
      new Uint8Array(buffer).set(piece);
      endpoint.postMessage({ type: 'batch', buffer, length: piece.length } satisfies PipeMessage<Job>, [buffer]);
      inFlight++;
    }
    if (last) endpoint.postMessage({ type: 'end' } satisfies PipeMessage<Job>);
  });
  return {
    sink,
    blob: () => result,
    abort() {
      if (settled) return;
      endpoint.postMessage({ type: 'abort' } satisfies PipeMessage<Job>);
      end();
    },
  };
}

type ReplyEndpoint = { postMessage(message: PipeReply, transfer: Transferable[]): void };

/**
 * The receiving side of pipeTo: jobs opened by `open`, fed their batches, closed, and their Blob
 * sent back. Messages are handled in order, one after another; one job at a time.
 */
export function servePipe<Job>(
  endpoint: ReplyEndpoint & { onmessage: ((event: MessageEvent) => void) | null },
  open: (job: Job) => Promise<StagedOutput>,
): void {
  let current: StagedOutput | null = null;
  let queue = Promise.resolve();
  const post = (message: PipeReply, transfer: Transferable[] = []) => endpoint.postMessage(message, transfer);

  async function handle(message: PipeMessage<Job>): Promise<void> {
    try {
      switch (message.type) {
        case 'start':
          current = await open(message.job);
          break;
        case 'batch':
          if (current) await current.sink.write(new Uint8Array(message.buffer, 0, message.length));
          post({ type: 'free', buffer: message.buffer }, [message.buffer]);
          break;
        case 'end': {
          if (!current) throw new Error('No job to end');
          await current.sink.close();
          const blob = await current.blob();
          current = null;
          post({ type: 'done', blob });
          break;
        }
        case 'abort':
          current?.abort();
          current = null;
          break;
      }
    } catch (e) {
      current?.abort();
      current = null;
      post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }

  endpoint.onmessage = (event: MessageEvent<PipeMessage<Job>>) => {
    queue = queue.then(() => handle(event.data));
  };
}
