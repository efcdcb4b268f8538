import { describe, expect, it } from 'vitest';
import { readBlob } from './payload-parts';

const data = new Uint8Array(5 * 1024 * 1024 + 123).map((_, i) => (i * 31 + (i >> 10)) & 0xff);

/** A Blob whose byte stream gives `before` bytes, then leaves the next read pending for ever. */
class StallingBlob extends Blob {
  constructor(private readonly before: number) {
    super([data]);
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    let at = 0;
    return new ReadableStream({
      type: 'bytes',
      pull: (controller) => {
        if (at >= this.before) return new Promise<void>(() => {});
        const request = controller.byobRequest!;
        const view = request.view as Uint8Array;
        const n = Math.min(view.length, this.before - at, 300_000);
        view.set(data.subarray(at, at + n));
        at += n;
        request.respond(n);
      },
    }) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

async function readAll(blob: Blob, stallMs?: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  // Each piece is valid only until the next is asked for: copied here.
  for await (const piece of readBlob(blob, stallMs)) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

describe('reading an attachment', () => {
  it('gives every byte in order, through reused buffers', async () => {
    expect((await readAll(new Blob([data]))).equals(Buffer.from(data))).toBe(true);
    expect((await readAll(new Blob([]))).length).toBe(0);
  });

  it('a read that stalls for good is taken up from where it stopped, nothing lost or repeated', async () => {
    for (const before of [0, 700_000, 2 * 1024 * 1024])
      expect((await readAll(new StallingBlob(before), 50)).equals(Buffer.from(data)), `after ${before}`).toBe(true);
  });
});
