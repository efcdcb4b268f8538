import type { Db } from './db';
import { nowIso, sha256Hex } from './ids';

export type Blob = { id: string; type: string; size: number; data: Uint8Array };

/** Store bytes; identical content in one account gets the same blobId (RFC 8620 §6.1 allows it). */
export function putBlob(db: Db, accountId: string, data: Uint8Array, type: string): Blob {
  const id = `G${sha256Hex(data).slice(0, 40)}`;
  db.prepare(
    'INSERT OR IGNORE INTO blobs (account_id, id, type, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(accountId, id, type, data.byteLength, Buffer.from(data.buffer, data.byteOffset, data.byteLength), nowIso());
  return { id, type, size: data.byteLength, data };
}

export function getBlob(db: Db, accountId: string, id: string): Blob | undefined {
  const row = db
    .prepare('SELECT id, type, size, data FROM blobs WHERE account_id = ? AND id = ?')
    .get(accountId, id) as { id: string; type: string; size: number; data: Buffer } | undefined;
  return row && { id: row.id, type: row.type, size: row.size, data: new Uint8Array(row.data) };
}

/** Bytes of blobs an account stores (for its quota). */
export function storedBytes(db: Db, accountId: string): number {
  return (
    db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM blobs WHERE account_id = ?').get(accountId) as {
      total: number;
    }
  ).total;
}
