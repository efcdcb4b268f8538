import { addressAndPinKeys, storageError, type UseStore } from './store-access';

/** `absent`: what the read gives when `key` is not stored (then it need not run at all). */
type ReadJob = {
  callback: (s: IDBObjectStore) => Promise<unknown>;
  what: string;
  absent?: { key: string; value: unknown };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/** Reads of pins and address entries at or above this count first list which ones exist. */
export const LIST_FIRST = 4;

export type BatchedRead = <T>(
  callback: (s: IDBObjectStore) => Promise<T>,
  what: string,
  absent?: { key: string; value: T },
) => Promise<T>;

/**
 * Reads asked for in the same turn share one read-only transaction: 20 recipients pasted at once
 * read their pins and keys in one transaction instead of forty. Recipients are mostly new, so when
 * many reads may find nothing, two key listings answer "nothing stored" for all of them instead of
 * a request per pin and per address (each one a round trip to the database).
 */
export function createBatchedReader(options: { store: UseStore; open: () => Promise<void> }): BatchedRead {
  let batch: ReadJob[] | null = null;

  async function runBatch(): Promise<void> {
    const jobs = batch ?? [];
    batch = null;
    try {
      await options.open();
      await options.store('readonly', async (s) => {
        let stored: Set<string> | null = null;
        if (jobs.filter((job) => job.absent).length >= LIST_FIRST)
          stored = new Set((await addressAndPinKeys(s)).map(String));
        await Promise.all(
          jobs.map((job) =>
            job.absent && stored && !stored.has(job.absent.key)
              ? job.resolve(job.absent.value)
              : job.callback(s).then(job.resolve, (e: unknown) => job.reject(storageError(e, job.what))),
          ),
        );
      });
    } catch (e) {
      for (const job of jobs) job.reject(storageError(e, job.what));
    }
  }

  return <T>(callback: (s: IDBObjectStore) => Promise<T>, what: string, absent?: { key: string; value: T }) =>
    new Promise<T>((resolve, reject) => {
      if (!batch) {
        batch = [];
        setTimeout(() => void runBatch(), 0);
      }
      batch.push({
        callback,
        what,
        ...(absent ? { absent } : {}),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
}
