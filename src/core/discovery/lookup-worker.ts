import type { CryptoApi } from '../crypto/types';
import { createKeyLookup } from './key-lookup';
import type { LookupWorkerApi } from './lookup-worker-api';

/** The worker's side of lookup-worker-api.ts: fetches from the worker, checks keys in place. */
export function createLookupWorkerApi(
  crypto: Pick<CryptoApi, 'keysForAddress'>,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): LookupWorkerApi {
  const lookUp = createKeyLookup({ fetch: fetchFn, crypto });
  const running = new Map<number, AbortController>();
  return {
    async lookUp(id, address, settings, vouchingKey, autocrypt) {
      const controller = new AbortController();
      running.set(id, controller);
      try {
        return await lookUp(address, settings, {
          signal: controller.signal,
          ...(vouchingKey ? { vouchingKey } : {}),
          ...(autocrypt ? { autocrypt } : {}),
        });
      } finally {
        running.delete(id);
      }
    },
    async cancel(id) {
      running.get(id)?.abort();
    },
  };
}
