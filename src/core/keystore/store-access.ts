import { AppError } from '../errors/app-error';
import { type Migration, MIGRATIONS, migrateStore, requestDone } from './migrations';
import { RECORD_KEYS } from './records';

/** idb-keyval's store accessor: runs `callback` in a transaction on one object store. */
export type UseStore = <T>(
  mode: IDBTransactionMode,
  callback: (store: IDBObjectStore) => T | PromiseLike<T>,
) => Promise<T>;

/** Every storage failure as an AppError: quota apart, since nothing was stored then. */
export function storageError(e: unknown, what: string): AppError {
  if (e instanceof AppError) return e;
  const name = (e as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') return new AppError('keystore/quota', `${what}: quota exceeded`, { cause: e });
  return new AppError('keystore/unavailable', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Wait for a readwrite transaction to commit; quota errors often surface only here. */
const committed = (tx: IDBTransaction) =>
  new Promise<void>((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = () => fail(tx.error);
    tx.onabort = () => fail(tx.error ?? new DOMException('Transaction aborted', 'AbortError'));
  });

/** The keys of every address index entry, pin and Autocrypt peer (`addr/…`, `pin/…`, `ac/…`): small, no values. */
export const addressAndPinKeys = async (s: IDBObjectStore): Promise<IDBValidKey[]> =>
  (
    await Promise.all([
      requestDone(s.getAllKeys(RECORD_KEYS.addressRange())),
      requestDone(s.getAllKeys(RECORD_KEYS.pinRange())),
      requestDone(s.getAllKeys(RECORD_KEYS.autocryptRange())),
    ])
  ).flat();

/**
 * Opening (with migrations, once) and committed writes. A failed open is tried again by the next
 * call; every failure is an AppError that says what was being done.
 */
export function createStoreAccess(options: { store: UseStore; migrations?: Record<number, Migration> }) {
  const { store } = options;
  let ready: Promise<void> | undefined;

  const open = () =>
    (ready ??= store('readwrite', (s) => migrateStore(s, options.migrations ?? MIGRATIONS).then(() => undefined)).catch(
      (e: unknown) => {
        ready = undefined;
        throw storageError(e, 'Opening the keystore');
      },
    ));

  /** Runs `callback` in one readwrite transaction and resolves once it has committed. */
  async function write(callback: (s: IDBObjectStore) => Promise<void> | void, what: string): Promise<void> {
    await open();
    try {
      await store('readwrite', async (s) => {
        const done = committed(s.transaction);
        await callback(s);
        await done;
      });
    } catch (e) {
      throw storageError(e, what);
    }
  }

  return { store, open, write };
}
