import { type Remote, wrap } from 'comlink';
import { AppError } from '../errors/app-error';
import { type EnvelopeApi, fromEnvelopeApi } from './rpc';
import type { CryptoApi } from './types';

const METHODS: (keyof CryptoApi)[] = ['generateKey', 'inspectKeys', 'keysForAddress', 'encryptPayload', 'encryptedFor', 'decryptPayload', 'signPayload', 'autocryptKeydata', 'mergeKeys', 'protectKey', 'unlockKey', 'lockKey', 'lockAll', 'unlockedKeys', 'addUserId'];

/**
 * The main thread's CryptoApi: the same interface, carried out in a module worker that is
 * started on first use, so OpenPGP.js is neither in the initial bundle nor on the main thread.
 */
export function createWorkerCryptoClient(startWorker: () => Worker): CryptoApi {
  let api: CryptoApi | undefined;
  const get = (): CryptoApi => {
    if (api) return api;
    let worker: Worker;
    try {
      worker = startWorker();
    } catch (cause) {
      throw new AppError('crypto/unavailable', 'Worker failed to start', { cause });
    }
    api = fromEnvelopeApi(wrap(worker) as unknown as Remote<EnvelopeApi<CryptoApi>> as EnvelopeApi<CryptoApi>, METHODS);
    return api;
  };
  const out: Record<string, unknown> = {};
  for (const name of METHODS) out[name] = (...args: unknown[]) => (get()[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  return out as unknown as CryptoApi;
}
