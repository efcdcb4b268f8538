/**
 * Where a stage of a streamed message writes: chunks in order, then close once. A chunk is valid
 * only during the call: stages reuse their buffers, so a stage that keeps bytes copies them.
 * (Fresh buffers cost more than the work on them in Chromium: every new page is a page fault.)
 */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void> | void;
  close(): Promise<void> | void;
}

/**
 * Collects output as a Blob: chunks are copied into a staging buffer, and each full buffer into a
 * Blob (the browser keeps Blob bytes outside the worker's heap). Making a Blob costs Chromium more
 * per call than per byte: 16 MiB at a time took a third less than 4 MiB. A Blob made of Blobs references
 * them, so the bytes are not copied again at the end.
 */
export class BlobSink implements ByteSink {
  private blobs: Blob[] = [];
  private staging: Uint8Array<ArrayBuffer> | null = null;
  private filled = 0;
  private blob: Blob | null = null;

  constructor(private readonly stagingSize = 16 * 1024 * 1024) {}

  write(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const room = this.room();
      const take = Math.min(room.length, chunk.length - at);
      room.set(chunk.subarray(at, at + take));
      this.wrote(take);
      at += take;
    }
  }

  /**
   * Free staging space, at least `least` bytes, for a stage that writes its output in place (a
   * decoder); `wrote` then says how much it used.
   */
  room(least = 1): Uint8Array {
    this.staging ??= new Uint8Array(this.stagingSize);
    if (this.staging.length - this.filled < least) this.fold();
    return this.staging.subarray(this.filled);
  }

  wrote(length: number): void {
    this.filled += length;
  }

  close(): void {
    this.fold();
    this.staging = null;
    this.blob = new Blob(this.blobs);
    this.blobs = [];
  }

  /** The output, after close(). */
  result(): Blob {
    if (!this.blob) throw new Error('BlobSink read before close');
    return this.blob;
  }

  private fold(): void {
    if (!this.filled || !this.staging) return;
    this.blobs.push(new Blob([this.staging.subarray(0, this.filled)]));
    this.filled = 0;
  }
}

/**
 * Regroups a stream into pieces of exactly `size` bytes (the last may be shorter and is marked),
 * in one reused buffer: a piece is valid until `onPiece` settles.
 */
export class Rechunker implements ByteSink {
  private readonly buffer: Uint8Array;
  private filled = 0;

  constructor(
    private readonly size: number,
    private readonly onPiece: (piece: Uint8Array, last: boolean) => Promise<void> | void,
  ) {
    this.buffer = new Uint8Array(size);
  }

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      // A full buffer waits for more data: only then is it known not to be the last piece.
      if (this.filled === this.size) await this.flush(false);
      const take = Math.min(this.size - this.filled, chunk.length - at);
      this.buffer.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
    }
  }

  async close(): Promise<void> {
    await this.flush(true);
  }

  private async flush(last: boolean): Promise<void> {
    const filled = this.filled;
    this.filled = 0;
    await this.onPiece(this.buffer.subarray(0, filled), last);
  }
}
