import { loadCode, loadOnce, whenLoaded } from '../load-once';
import { AppError } from '../errors/app-error';
import { type ArgTransfers, methodNames } from './api-shape';
import type { EnvelopeApi } from './rpc';
import type { CryptoApi } from './types';

export const CRYPTO_METHODS = methodNames<CryptoApi>({
  generateKey: true,
  inspectKeys: true,
  keysForAddress: true,
  warmUpKeyChecks: true,
  encryptPayload: true,
  encryptedFor: true,
  openEncrypted: true,
  verifyDetached: true,
  verifyCleartext: true,
  signPayload: true,
  autocryptKeydata: true,
  mergeKeys: true,
  protectKey: true,
  unlockKey: true,
  lockKey: true,
  lockAll: true,
  unlockedKeys: true,
  addUserId: true,
  extendExpiry: true,
  applyRevocation: true,
});

/**
 * One module worker, started on first use, that serves several APIs under names (`crypto`,
 * `send`), so OpenPGP.js is neither in the initial bundle nor on the main thread, and the unlocked
 * keys it holds serve every API.
 */
export function createWorkerConnection(startWorker: () => Worker) {
  // Comlink and the envelope code load with the worker: neither is needed before the first call.
  const messaging = loadCode(() => Promise.all([import('comlink'), import('./rpc')]));
  const connect = loadOnce(async () => {
    const [{ wrap }, { fromEnvelopeApi }] = await messaging();
    let worker: Worker;
    try {
      worker = startWorker();
    } catch (cause) {
      throw new AppError('crypto/unavailable', 'Worker failed to start', { cause });
    }
    return { remote: wrap<Record<string, unknown>>(worker), fromEnvelopeApi };
  });
  return {
    api<T extends object>(namespace: string, methods: (keyof T)[], transfers: ArgTransfers<T> = {}): T {
      let api: T | undefined;
      const apiOf = ({ remote, fromEnvelopeApi }: Awaited<ReturnType<typeof connect>>): T =>
        (api ??= fromEnvelopeApi(
          (remote as unknown as Record<string, EnvelopeApi<T>>)[namespace]!,
          methods,
          transfers,
        ));
      const out: Record<string, unknown> = {};
      for (const name of methods) {
        out[name as string] = (...args: unknown[]): Promise<unknown> => {
          const invoke = (ready: T) => (ready[name] as (...a: unknown[]) => Promise<unknown>)(...args);
          if (api) return invoke(api);
          // Once connected, the message leaves in this turn: a look-up started from an input event
          // must reach the worker before the page renders the new chips, not after.
          return whenLoaded(connect(), (connection) => invoke(apiOf(connection)));
        };
      }
      return out as T;
    },
  };
}

export const createCryptoClient = (connection: ReturnType<typeof createWorkerConnection>): CryptoApi =>
  connection.api<CryptoApi>('crypto', CRYPTO_METHODS);
