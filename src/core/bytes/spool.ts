import { BlobSink, type ByteSink } from './sink';

/**
 * A large outgoing message is written to a file of the origin-private file system (OPFS) where a
 * worker may write one synchronously. Chromium takes Blob bytes at 100–280 MB/s and holds them in
 * its processes; the file is written at disk speed and held by the system's page cache
 * (bench:blob-io). Elsewhere (Node, the page's own thread, a browser without OPFS, a full disk)
 * the message goes into Blobs as before.
 *
 * A spool file is removed when its message is no longer needed (`releaseSpools`), and a file whose
 * writer is gone (a closed tab) by the next writer that starts: each writer holds a Web Lock named
 * after itself for as long as it lives, and a file is named after its writer.
 */
const SPOOL_DIRECTORY = 'outgoing-spool';
const LOCK_PREFIX = `${SPOOL_DIRECTORY}:`;
const SPOOL_NAME = /^([0-9a-f-]{36})\.(\d+)$/;
const STAGING = 4 * 1024 * 1024;
/**
 * A private window keeps its origin-private file system in memory, and Chromium writes that at
 * about 60 MB/s, slower than Blobs (100–280 MB/s); a profile on disk takes 800+ MB/s. A writer
 * tells which when it starts, by the fastest of twelve 256 KiB appends: at most 0.1 ms on a
 * profile on disk, at least 3.3 ms in a private window (Chromium 156). The fastest, not the sum:
 * on a busy machine any one write may wait for the core, not all twelve.
 */
const PROBE_PIECE = 256 * 1024;
const PROBE_WRITES = 12;
const FASTEST_APPEND_MS = 1;
/** Smaller messages are not worth a file: Blobs take them in a few milliseconds. */
const SPOOL_FROM_BYTES = 8 * 1024 * 1024;

export interface Spool extends ByteSink {
  /** The bytes written, after close(). */
  finish(): Promise<Blob>;
  /** Drop what was written; safe at any point, also after close(). */
  abort(): void;
}

/** The minimum of the OPFS API a spool uses: what tests stand in for. */
export type SpoolDirectory = Pick<FileSystemDirectoryHandle, 'getFileHandle' | 'removeEntry' | 'keys'>;
/** FileSystemSyncAccessHandle (the worker-only part of OPFS), as far as a spool uses it. */
type SyncAccess = {
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
};
type SpoolFileHandle = { getFile(): Promise<File>; createSyncAccessHandle(): Promise<SyncAccess> };

const writer = {
  id: typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : '',
  files: 0,
  ready: null as Promise<SpoolDirectory | null> | null,
};

/**
 * A spool for a message of about `expectedBytes`: an OPFS file when the message is large and this
 * thread can write one synchronously, else Blobs of `blobPiece` bytes (BlobSink's own size when not given).
 */
export async function openSpool(expectedBytes: number, blobPiece?: number): Promise<Spool> {
  const directory =
    expectedBytes >= SPOOL_FROM_BYTES ? await (writer.ready ??= spoolDirectory().catch(() => null)) : null;
  if (directory) {
    const name = `${writer.id}.${++writer.files}`;
    try {
      const handle = (await directory.getFileHandle(name, { create: true })) as unknown as SpoolFileHandle;
      return new FileSpool(directory, name, handle, await handle.createSyncAccessHandle(), blobPiece);
    } catch {
      await directory.removeEntry(name).catch(() => {});
    }
  }
  return blobSpool(new BlobSink(blobPiece));
}

/** This writer's directory, once its lock is held and the files of writers that are gone are removed. */
async function spoolDirectory(): Promise<SpoolDirectory | null> {
  const canWriteSynchronously =
    typeof FileSystemFileHandle !== 'undefined' &&
    'createSyncAccessHandle' in FileSystemFileHandle.prototype &&
    typeof navigator !== 'undefined' &&
    !!navigator.storage?.getDirectory &&
    !!navigator.locks &&
    !!writer.id;
  if (!canWriteSynchronously) return null;
  await new Promise<void>((held, failed) => {
    navigator.locks
      .request(writerLock(writer.id), () => {
        held();
        return new Promise<never>(() => {});
      })
      .catch(failed);
  });
  const root = await navigator.storage.getDirectory();
  const directory = await root.getDirectoryHandle(SPOOL_DIRECTORY, { create: true });
  const held = new Set(((await navigator.locks.query()).held ?? []).map((lock) => lock.name ?? ''));
  await removeOrphans(directory, writer.id, held);
  const probe = `${writer.id}.0`;
  try {
    const handle = (await directory.getFileHandle(probe, { create: true })) as unknown as SpoolFileHandle;
    const access = await handle.createSyncAccessHandle();
    try {
      return writesFast(access, () => performance.now()) ? directory : null;
    } finally {
      access.close();
    }
  } finally {
    await directory.removeEntry(probe).catch(() => {});
  }
}

/** Whether `access` writes at the speed of a file on disk, not of a private window's memory. */
export function writesFast(access: SyncAccess, clock: () => number): boolean {
  const piece = new Uint8Array(PROBE_PIECE);
  let fastest = Infinity;
  for (let i = 0; i < PROBE_WRITES; i++) {
    const started = clock();
    access.write(piece, { at: i * piece.length });
    fastest = Math.min(fastest, clock() - started);
  }
  return fastest <= FASTEST_APPEND_MS;
}

/** The Web Lock a writer holds while it lives. */
export const writerLock = (writerId: string) => LOCK_PREFIX + writerId;

/** Remove the spool files whose writer no longer holds its lock (`held`: its tab was closed or crashed). */
export async function removeOrphans(directory: SpoolDirectory, self: string, held: ReadonlySet<string>): Promise<void> {
  const orphans: string[] = [];
  for await (const name of directory.keys()) {
    const owner = SPOOL_NAME.exec(name)?.[1];
    if (owner !== self && !(owner && held.has(writerLock(owner)))) orphans.push(name);
  }
  await Promise.all(orphans.map((name) => directory.removeEntry(name).catch(() => {})));
}

/** The spool files among `blobs` (OPFS files keep their name), for `releaseSpools`. */
export function spoolsOf(...blobs: Blob[]): string[] {
  return blobs.flatMap((blob) => (blob instanceof File && SPOOL_NAME.test(blob.name) ? [blob.name] : []));
}

/** The blob with a content type; a spool file keeps its name. */
export function withType(blob: Blob, type: string): Blob {
  return blob instanceof File ? new File([blob], blob.name, { type }) : new Blob([blob], { type });
}

/** Remove spool files whose messages are no longer needed. Never throws: a file left over is removed later. */
export async function releaseSpools(names: readonly string[]): Promise<void> {
  if (!names.length || typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return;
  try {
    const directory = await (await navigator.storage.getDirectory()).getDirectoryHandle(SPOOL_DIRECTORY);
    await Promise.all(names.map((name) => directory.removeEntry(name).catch(() => {})));
  } catch {
    // No spool directory: nothing to remove.
  }
}

function blobSpool(sink: BlobSink): Spool {
  return {
    write: (chunk) => sink.write(chunk),
    close: () => sink.close(),
    finish: async () => sink.result(),
    abort: () => {},
  };
}

/**
 * Writes in 4 MiB steps at the file's end. A write the file system refuses (the disk or the
 * origin's quota is full) is not an error: the file is cut back to what it holds whole, and the
 * rest of the message goes into Blobs after it.
 */
export class FileSpool implements Spool {
  private staging: Uint8Array<ArrayBuffer> | null = new Uint8Array(STAGING);
  private filled = 0;
  private length = 0;
  private overflow: BlobSink | null = null;
  private open = true;

  constructor(
    private readonly directory: SpoolDirectory,
    readonly name: string,
    private readonly handle: SpoolFileHandle,
    private readonly access: SyncAccess,
    private readonly blobPiece?: number,
  ) {}

  write(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.overflow) {
      const staging = this.staging!;
      const take = Math.min(staging.length - this.filled, chunk.length - at);
      staging.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === staging.length) this.flushStaging();
    }
    if (at < chunk.length) this.overflow!.write(chunk.subarray(at));
  }

  close(): void {
    if (!this.overflow) this.flushStaging();
    this.overflow?.close();
    this.staging = null;
    this.closeAccess();
  }

  /** A File named after the spool, also when part of it went into Blobs: spoolsOf finds it by that name. */
  async finish(): Promise<Blob> {
    const file = await this.handle.getFile();
    if (file.size !== this.length) throw new Error(`The spool file holds ${file.size} bytes, not ${this.length}`);
    return this.overflow ? new File([file, this.overflow.result()], this.name) : file;
  }

  abort(): void {
    this.staging = null;
    this.closeAccess();
    void this.directory.removeEntry(this.name).catch(() => {});
  }

  /** The staged bytes into the file, or into Blobs when the file system refuses them. */
  private flushStaging(): void {
    const bytes = this.staging!.subarray(0, this.filled);
    this.filled = 0;
    if (!bytes.length) return;
    try {
      const wrote = this.access.write(bytes, { at: this.length });
      if (wrote !== bytes.length) throw new Error('short write');
      this.length += wrote;
    } catch {
      try {
        this.access.truncate(this.length);
      } catch {
        // The file keeps a partial write at its end; finish() then refuses it.
      }
      this.overflow = new BlobSink(this.blobPiece);
      this.overflow.write(bytes);
    }
  }

  private closeAccess(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.access.flush();
    } finally {
      this.access.close();
    }
  }
}
