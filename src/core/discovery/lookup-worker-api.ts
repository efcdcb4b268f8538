import type { AutocryptKey } from '../keystore/autocrypt-peers';
import type { KeyLookup } from './key-lookup';
import type { DiscoveryResult, DiscoverySettings } from './types';
import { methodNames } from '../crypto/api-shape';

/**
 * Key look-ups in the crypto worker: the WKD and key-server requests, their answers and the key
 * checks all run there, so twenty recipients pasted at once cost the page twenty messages, not
 * twenty fetches, streamed bodies and round trips to the worker. This module is the page's side;
 * lookup-worker.ts, loaded only in the worker, implements it.
 */
export type LookupWorkerApi = {
  lookUp(
    id: number,
    address: string,
    settings: DiscoverySettings,
    vouchingKey: string | null,
    autocrypt: AutocryptKey | null,
  ): Promise<DiscoveryResult>;
  /** Abort look-up `id` (its chip was removed); it ends as an AbortError. */
  cancel(id: number): Promise<void>;
};

export const LOOKUP_WORKER_METHODS = methodNames<LookupWorkerApi>({ lookUp: true, cancel: true });

const aborted = () => new DOMException('The look-up was cancelled.', 'AbortError');

/** A KeyLookup that runs in the worker; the caller's AbortSignal cancels the worker's requests. */
export function workerKeyLookup(api: LookupWorkerApi): KeyLookup {
  let lastId = 0;
  return async (address, settings, options = {}) => {
    const { signal } = options;
    if (signal?.aborted) throw aborted();
    const id = ++lastId;
    const cancel = () => void api.cancel(id).catch(() => undefined);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await api.lookUp(id, address, settings, options.vouchingKey ?? null, options.autocrypt ?? null);
      if (signal?.aborted) throw aborted();
      return result;
    } catch (e) {
      throw signal?.aborted ? aborted() : e;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  };
}
