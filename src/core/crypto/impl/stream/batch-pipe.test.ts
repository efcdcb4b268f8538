import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../errors/app-error';
import { pipeTo, servePipe, type StagedOutput } from './batch-pipe';
import { openSealing } from './seal-off-thread';

const random = (length: number) => {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
};

/** The receiving side: keeps copies of what it is given (the batches go back for reuse). */
function collecting(fail?: string): { opened: unknown[]; open: (job: unknown) => Promise<StagedOutput> } {
  const opened: unknown[] = [];
  return {
    opened,
    open: async (job) => {
      opened.push(job);
      const chunks: Uint8Array[] = [];
      return {
        sink: {
          write(chunk) {
            if (fail) throw new Error(fail);
            chunks.push(chunk.slice());
          },
          close() {},
        },
        blob: async () => new Blob(chunks as Uint8Array<ArrayBuffer>[]),
        abort() {},
      };
    },
  };
}

/** A worker as far as a pipe sees one: messages go nowhere; it can report an error. */
class SilentWorker extends EventTarget {
  static made = 0;
  terminated = false;
  constructor() {
    super();
    SilentWorker.made++;
  }
  postMessage() {}
  terminate() {
    this.terminated = true;
  }
}

describe('batch pipe', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('hands the job over, then the input in order across a port, and gives back the Blob made of it', async () => {
    const channel = new MessageChannel();
    const other = collecting();
    servePipe(channel.port2, other.open);
    let settled = 0;
    const output = pipeTo(channel.port1, { kind: 'test job' }, { stopped: 'gone', settled: () => settled++ });
    const input = random(3 * 1024 * 1024 + 12345);
    // Pieces of odd sizes: the pipe regroups them into its own batches.
    for (let at = 0, step = 1; at < input.length; at += step, step = (step * 7 + 1) % 700_001)
      await output.sink.write(input.subarray(at, at + step));
    await output.sink.close();
    const result = new Uint8Array(await (await output.blob()).arrayBuffer());
    expect(other.opened).toEqual([{ kind: 'test job' }]);
    expect(result.length).toBe(input.length);
    expect(Buffer.from(result).equals(Buffer.from(input))).toBe(true);
    expect(settled).toBe(1);
    channel.port1.close();
  });

  it('fails the job with what went wrong on the other side', async () => {
    const channel = new MessageChannel();
    servePipe(channel.port2, collecting('disk full').open);
    const output = pipeTo(channel.port1, {}, { stopped: 'gone' });
    const failed = (async () => {
      for (let i = 0; i < 8; i++) await output.sink.write(random(1024 * 1024));
      await output.sink.close();
      return output.blob();
    })();
    await expect(failed).rejects.toThrow('disk full');
    channel.port1.close();
  });

  it('a worker whose code could not be loaded fails the job as code that is unavailable, never leaves it waiting', async () => {
    const worker = new SilentWorker();
    const stopped = vi.fn();
    const settled = vi.fn();
    const output = pipeTo(
      worker as unknown as Worker,
      {},
      { stopped: 'the worker stopped', onStopped: stopped, settled },
    );
    await output.sink.write(random(1000));
    worker.dispatchEvent(new Event('error'));
    const error = await output.blob().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('app/code-unavailable');
    expect(stopped).toHaveBeenCalledOnce();
    expect(settled).toHaveBeenCalledOnce();
    // Writes after that fail at once instead of waiting for batches to come back.
    await expect(
      (async () => {
        for (let i = 0; i < 8; i++) await output.sink.write(random(1024 * 1024));
      })(),
    ).rejects.toBe(error);
  });

  it('workers that failed are replaced for the next message', async () => {
    const made: SilentWorker[] = [];
    vi.stubGlobal(
      'Worker',
      class extends SilentWorker {
        constructor() {
          super();
          made.push(this);
          // Its script cannot be downloaded.
          setTimeout(() => this.dispatchEvent(new Event('error')), 0);
        }
      },
    );
    const job = {
      sessionKey: { data: new Uint8Array(16), algorithm: 'aes128' as const },
      keyPackets: new Uint8Array(0),
      expectedBytes: 10,
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const output = await openSealing(job);
      await output.sink.write(new Uint8Array(10));
      await output.sink.close();
      await expect(output.blob()).rejects.toMatchObject({ code: 'app/code-unavailable' });
      // Both of its workers (encrypting, armoring) are stopped; the next message makes new ones.
      expect(made).toHaveLength(attempt * 2);
      expect(made.every((w) => w.terminated)).toBe(true);
    }
  });
});
