import { AppError } from '../errors/app-error';
import { SCHEMA_VERSION } from './records';

/** A step that rewrites records of version `from` to `from + 1`, inside one readwrite transaction. */
export type Migration = (store: IDBObjectStore) => Promise<void> | void;

/** Steps keyed by the version they upgrade from. Version 1 is the first stored schema. */
export const MIGRATIONS: Record<number, Migration> = {};

export const requestDone = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((ok, fail) => {
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });

/**
 * Bring the store to `target`: nothing for a fresh store, each step in order for an older one,
 * and a refusal (data untouched) for a store written by a newer app.
 */
export async function migrateStore(
  store: IDBObjectStore,
  migrations: Record<number, Migration> = MIGRATIONS,
  target = SCHEMA_VERSION,
): Promise<number> {
  const meta = (await requestDone(store.get('meta'))) as { schemaVersion: number } | undefined;
  if (meta?.schemaVersion === target) return target; // the usual start-up: one read, nothing to write
  // No version record: an empty store is new; data without one predates versioning (schema 0).
  const hasData = !meta && (await requestDone(store.count())) > 0;
  let version = meta?.schemaVersion ?? (hasData ? 0 : target);
  if (version > target) throw new AppError('keystore/newer-schema', `Store schema ${version} > ${target}`);
  while (version < target) {
    const step = migrations[version];
    if (!step) throw new AppError('keystore/unavailable', `No migration from schema ${version}`);
    await step(store);
    version++;
  }
  store.put({ schemaVersion: version }, 'meta');
  return version;
}
