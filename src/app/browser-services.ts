import { createStore } from 'idb-keyval';
import { createCryptoClient, createWorkerConnection } from '@/core/crypto/client';
import type { DiscoveryService } from '@/core/discovery/discover-key';
import { LOOKUP_WORKER_METHODS, type LookupWorkerApi, workerKeyLookup } from '@/core/discovery/lookup-worker-api';
import { createKeystore, type KeystoreChange } from '@/core/keystore/keystore';
import type { UseStore } from '@/core/keystore/store-access';
import { KEYSTORE_CHANNEL } from '@/core/keystore/change-channel';
import { READING_WORKER_METHODS, type ReadingWorkerApi } from '@/core/reading/reading-worker-api';
import { SEND_ARG_TRANSFERS, SEND_WORKER_METHODS, type SendWorkerApi } from '@/core/send/send-worker-api';
import { createCredentialVault } from '@/lib/credential-vault';
import { createFrameScheduler } from '@/lib/frame-scheduler';
import { loadOnce } from '@/core/load-once';
import { PAGE_ID, type Services } from '@/services/services';
import { currentDiscoverySettings } from '@/stores/discovery-settings-store';

/** The composition root: the real services of the browser app (tests build fakes instead). */
export function createBrowserServices(): Services {
  // The worker starts on first use: OpenPGP.js is not part of the initial page.
  const worker = createWorkerConnection(
    () => new Worker(new URL('../core/crypto/crypto.worker.ts', import.meta.url), { type: 'module', name: 'crypto' }),
  );
  const crypto = createCryptoClient(worker);
  const outgoing = worker.api<SendWorkerApi>('send', SEND_WORKER_METHODS, SEND_ARG_TRANSFERS);
  const lookUp = workerKeyLookup(worker.api<LookupWorkerApi>('discovery', LOOKUP_WORKER_METHODS));
  const broadcast = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(KEYSTORE_CHANNEL);
  const channel = broadcast && {
    postMessage: (change: KeystoreChange) => broadcast.postMessage({ ...change, sender: PAGE_ID }),
  };
  const fetchFn: typeof fetch = (input, init) => globalThis.fetch(input, init);
  const keystore = createKeystore({
    store: createStore('pgp-composer-keystore', 'records') as unknown as UseStore,
    crypto,
    ...(channel ? { channel } : {}),
    // Before the frame that shows the key is painted, so the pin is on its way before anyone sees it.
    ...(typeof requestAnimationFrame === 'function' ? { schedulePinWrite: createFrameScheduler() } : {}),
  });
  return {
    fetch: fetchFn,
    now: () => new Date(),
    vault: createCredentialVault(),
    origin: window.location.origin,
    crypto,
    outgoing,
    reading: worker.api<ReadingWorkerApi>('reading', READING_WORKER_METHODS),
    keystore,
    discovery: {
      ...lazyDiscovery(() =>
        import('@/core/discovery/discover-key').then((m) =>
          m.createDiscovery({ lookUp, keystore, settings: currentDiscoverySettings }),
        ),
      ),
      lookUp: (address, { settings, ...options } = {}) =>
        lookUp(address, { ...currentDiscoverySettings(), ...settings }, options),
    },
  };
}

/** Discovery code loads with the first look-up (or when the composer is idle), not with the page. */
function lazyDiscovery(load: () => Promise<DiscoveryService>): Services['discovery'] {
  const get = loadOnce(load);
  return {
    fromKeystore: async (...args) => (await get()).fromKeystore(...args),
    autocryptKey: async (...args) => (await get()).autocryptKey(...args),
    discoverKey: async (...args) => (await get()).discoverKey(...args),
    ready: async () => void (await get()),
  };
}
