import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Db } from './db';
import { nowIso } from './ids';

/**
 * Blob contents live in files named by their SHA-256 next to the database (`blobs/`), shared by
 * every account that has the same bytes; the `blobs` table says which account has which blob.
 * Uploads stream to disk (a 100 MB upload never sits in memory), a download streams from disk,
 * and reading a message's summary or header reads only its start. Rows written before this kept
 * their bytes in the `data` column: they are read from there.
 */
export type StoredBlob = { id: string; type: string; size: number };

type Row = { id: string; type: string; size: number; data: Buffer; file: string | null };

export class BlobTooLarge extends Error {}

const dirs = new WeakMap<Db, string>();

function blobDir(db: Db): string {
  let dir = dirs.get(db);
  if (!dir) {
    dir =
      db.name === ':memory:' ? join(tmpdir(), `pgp-composer-blobs-${process.pid}`) : join(dirname(db.name), 'blobs');
    mkdirSync(dir, { recursive: true });
    dirs.set(db, dir);
  }
  return dir;
}

const blobIdFor = (sha256: string) => `G${sha256.slice(0, 40)}`;

function record(db: Db, accountId: string, sha256: string, size: number, type: string): StoredBlob {
  const id = blobIdFor(sha256);
  db.prepare(
    'INSERT OR IGNORE INTO blobs (account_id, id, type, size, data, file, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(accountId, id, type, size, Buffer.alloc(0), sha256, nowIso());
  return { id, type, size };
}

/** Move a finished temporary file to its content name (an identical file may be there already). */
function settle(db: Db, temp: string, sha256: string): void {
  const target = join(blobDir(db), sha256);
  if (existsSync(target)) rmSync(temp, { force: true });
  else renameSync(temp, target);
}

const tempName = (db: Db) => join(blobDir(db), `.upload-${randomBytes(12).toString('hex')}`);

/**
 * Store a stream (an upload) without holding it: written to a temporary file and hashed as it
 * arrives. More than `maxSize` bytes: BlobTooLarge, and nothing is kept.
 */
export async function putBlobStream(
  db: Db,
  accountId: string,
  source: AsyncIterable<Uint8Array>,
  type: string,
  maxSize: number,
  /** Checked once the size is known, before the blob is kept (a quota other uploads may have used meanwhile). */
  admit: (size: number) => boolean = () => true,
): Promise<StoredBlob> {
  const temp = tempName(db);
  const { sha256, size } = await writeTemp(temp, source, maxSize);
  if (!admit(size)) {
    rmSync(temp, { force: true });
    throw new BlobTooLarge();
  }
  settle(db, temp, sha256);
  return record(db, accountId, sha256, size, type);
}

async function writeTemp(
  temp: string,
  source: AsyncIterable<Uint8Array>,
  maxSize: number,
): Promise<{ sha256: string; size: number }> {
  const file = await open(temp, 'wx');
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxSize) throw new BlobTooLarge();
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.close();
  } catch (e) {
    await file.close().catch(() => {});
    rmSync(temp, { force: true });
    throw e;
  }
  return { sha256: hash.digest('hex'), size };
}

function row(db: Db, accountId: string, id: string): Row | undefined {
  return db
    .prepare('SELECT id, type, size, data, file FROM blobs WHERE account_id = ? AND id = ?')
    .get(accountId, id) as Row | undefined;
}

export function blobInfo(db: Db, accountId: string, id: string): StoredBlob | undefined {
  const r = row(db, accountId, id);
  return r && { id: r.id, type: r.type, size: r.size };
}

/** A blob's bytes, or only its first `limit` bytes. */
export function readBlob(db: Db, accountId: string, id: string, limit = Infinity): Uint8Array | undefined {
  const r = row(db, accountId, id);
  if (!r) return undefined;
  if (!r.file) return new Uint8Array(r.data.subarray(0, Math.min(limit, r.data.length)));
  const length = Math.min(limit, r.size);
  const out = Buffer.alloc(length);
  const fd = openSync(join(blobDir(db), r.file), 'r');
  try {
    let at = 0;
    while (at < length) {
      const read = readSync(fd, out, at, length - at, at);
      if (read === 0) break;
      at += read;
    }
    return new Uint8Array(out.buffer, out.byteOffset, at);
  } finally {
    closeSync(fd);
  }
}

/** A blob's bytes as a stream from `start` on. */
export function blobStream(db: Db, accountId: string, id: string, start = 0): Readable | undefined {
  const r = row(db, accountId, id);
  if (!r) return undefined;
  if (!r.file) return Readable.from([r.data.subarray(start)]);
  return createReadStream(join(blobDir(db), r.file), { start, highWaterMark: 1 << 20 });
}

/** Content stored in a file, not yet (or not only) any account's blob. */
export type BlobFile = { file: string; size: number };

/**
 * The content of a blob with its header section replaced (`edit`), as a file: the source's bytes
 * from `bodyStart` are streamed after `head`. Without an edit the source's own file serves.
 */
export async function editedBlobFile(
  db: Db,
  accountId: string,
  id: string,
  edit: { head: Uint8Array; bodyStart: number } | null,
): Promise<BlobFile> {
  const source = row(db, accountId, id);
  if (!source) throw new Error(`No blob ${id}`);
  if (!edit && source.file) return { file: source.file, size: source.size };
  const body = blobStream(db, accountId, id, edit?.bodyStart ?? 0)!;
  async function* joined() {
    if (edit) yield edit.head;
    for await (const chunk of body) yield chunk as Uint8Array;
  }
  const temp = tempName(db);
  const { sha256, size } = await writeTemp(temp, joined(), Infinity);
  settle(db, temp, sha256);
  return { file: sha256, size };
}

/** Give an account a blob whose content is already on disk. */
export const grantBlob = (db: Db, accountId: string, content: BlobFile, type: string): StoredBlob =>
  record(db, accountId, content.file, content.size, type);

/** Bytes of blobs an account stores (for its quota). */
export function storedBytes(db: Db, accountId: string): number {
  return (
    db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM blobs WHERE account_id = ?').get(accountId) as {
      total: number;
    }
  ).total;
}
