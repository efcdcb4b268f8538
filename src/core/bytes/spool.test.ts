import { describe, expect, it } from 'vitest';
import {
  FileSpool,
  openSpool,
  removeOrphans,
  type SpoolDirectory,
  spoolsOf,
  withType,
  writerLock,
  writesFast,
} from './spool';

const MiB = 1024 * 1024;
const NAME = '0f8fad5b-d9cb-469f-a165-70867728950e.1';

/** An OPFS file as a worker sees it: a sync access handle that may refuse writes past `capacity`. */
function fakeFile(options: { capacity?: number } = {}) {
  let bytes = new Uint8Array(0);
  const log = { writes: 0, truncatedTo: -1, closed: false, removed: [] as string[] };
  const access = {
    write(buffer: Uint8Array, { at }: { at: number }) {
      const end = at + buffer.length;
      if (end > (options.capacity ?? Infinity)) {
        // A refused write may still leave part of it behind, as a full disk can.
        const grown = new Uint8Array(Math.max(bytes.length, at + 10));
        grown.set(bytes);
        grown.set(buffer.subarray(0, 10), at);
        bytes = grown;
        throw new DOMException('full', 'QuotaExceededError');
      }
      if (end > bytes.length) {
        const grown = new Uint8Array(end);
        grown.set(bytes);
        bytes = grown;
      }
      bytes.set(buffer, at);
      log.writes++;
      return buffer.length;
    },
    truncate(size: number) {
      log.truncatedTo = size;
      bytes = bytes.slice(0, size);
    },
    flush() {},
    close() {
      log.closed = true;
    },
  };
  const handle = {
    getFile: async () => new File([bytes.slice()], NAME),
    createSyncAccessHandle: async () => access,
  };
  const directory = {
    removeEntry: async (name: string) => void log.removed.push(name),
  } as unknown as SpoolDirectory;
  const spool = new FileSpool(directory, NAME, handle, access, MiB);
  return { spool, log, access, stored: () => bytes };
}

/** `length` bytes that differ from position to position, written in chunks of odd sizes. */
function writeMessage(spool: { write(chunk: Uint8Array): unknown }, length: number): Uint8Array {
  const message = new Uint8Array(length);
  for (let i = 0; i < length; i++) message[i] = (i * 31 + (i >> 11)) & 0xff;
  for (let at = 0, step = 1; at < length; step = (step * 7 + 12345) % 1_500_000) {
    spool.write(message.subarray(at, at + step));
    at += step;
  }
  return message;
}

const bytesOf = async (blob: Blob) => Buffer.from(await blob.arrayBuffer());
/** Vitest's toEqual compares large arrays element by element, for seconds: compare as Buffers. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

describe('FileSpool', () => {
  it('writes a message into the file in order, whatever the chunk sizes, and gives it back named after the spool', async () => {
    const { spool, log, stored } = fakeFile();
    const message = writeMessage(spool, 21 * MiB + 5);
    spool.close();
    const result = await spool.finish();
    expect(same(await bytesOf(result), message)).toBe(true);
    expect(same(stored(), message)).toBe(true);
    expect(log.closed).toBe(true);
    expect(log.writes).toBe(6); // 4 MiB steps, not a write per chunk
    expect(spoolsOf(result)).toEqual([NAME]);
  });

  it('goes on in Blobs when the disk is full: nothing is lost, and the file keeps only whole writes', async () => {
    const { spool, log, stored } = fakeFile({ capacity: 10 * MiB });
    const message = writeMessage(spool, 19 * MiB + 3);
    spool.close();
    const result = await spool.finish();
    expect(same(await bytesOf(result), message)).toBe(true);
    expect(log.truncatedTo).toBe(8 * MiB);
    expect(stored().length).toBe(8 * MiB);
    // Still found by its name, so it is released with its message.
    expect(spoolsOf(result)).toEqual([NAME]);
  });

  it('removes its file when aborted', async () => {
    const { spool, log } = fakeFile();
    writeMessage(spool, 5 * MiB);
    spool.abort();
    await Promise.resolve();
    expect(log.closed).toBe(true);
    expect(log.removed).toEqual([NAME]);
  });
});

describe('spool files', () => {
  it("are written by a writer whose fastest append is a disk's, not a private window's, however busy the machine", () => {
    const stalls = [6, 9, 5, 7, 6, 8];
    for (const [name, msPerWrite, fast] of [
      ['a profile on disk', [0.1], true],
      ['a profile on disk, on a busy machine', [...stalls, 0.2, ...stalls], true],
      ["a private window's file system in memory", [5.5, 3.3, 9.5, 4.4], false],
    ] as const) {
      const { log, access, stored } = fakeFile();
      let now = 0;
      const timed = {
        ...access,
        write: (b: Uint8Array, o: { at: number }) => {
          const wrote = access.write(b, o);
          now += msPerWrite[log.writes % msPerWrite.length]!;
          return wrote;
        },
      };
      expect(
        writesFast(timed, () => now),
        name,
      ).toBe(fast);
      // Appends, as a spool does (a private window overwrites faster than it appends).
      expect(stored().length).toBe(12 * 256 * 1024);
    }
  });

  it('are removed when their writer is gone, never while it lives', async () => {
    const self = '11111111-1111-4111-8111-111111111111';
    const alive = '22222222-2222-4222-8222-222222222222';
    const gone = '33333333-3333-4333-8333-333333333333';
    const names = [`${self}.1`, `${alive}.4`, `${gone}.2`, `${gone}.3`, 'stray'];
    const removed: string[] = [];
    const directory = {
      async *keys() {
        yield* names;
      },
      removeEntry: async (name: string) => void removed.push(name),
    } as unknown as SpoolDirectory;
    await removeOrphans(directory, self, new Set([writerLock(alive), 'some other lock']));
    expect(removed.sort()).toEqual([`${gone}.2`, `${gone}.3`, 'stray']);
  });

  it('keep their name through a content type, and other Blobs are no spool', () => {
    const file = new File(['x'], NAME);
    const typed = withType(file, 'message/rfc822');
    expect(typed.type).toBe('message/rfc822');
    expect(spoolsOf(typed, new Blob(['y']), new File(['z'], 'photo.jpg'))).toEqual([NAME]);
  });

  it('are not made where a file cannot be written synchronously (here: Node), nor for small messages', async () => {
    for (const expected of [1000, 50 * MiB]) {
      const spool = await openSpool(expected, MiB);
      const message = writeMessage(spool, 3 * MiB);
      spool.close();
      const result = await spool.finish();
      expect(same(await bytesOf(result), message)).toBe(true);
      expect(spoolsOf(result)).toEqual([]);
    }
  });
});
