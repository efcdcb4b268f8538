import { createContext, type ReactNode, useContext } from 'react';
import { createStore } from 'idb-keyval';
import { createCryptoClient, createWorkerConnection } from '@/core/crypto/client';
import type { CryptoApi } from '@/core/crypto/types';
import type { DiscoveryService, KeyLookup } from '@/core/discovery/discover-key';
import { LOOKUP_WORKER_METHODS, type LookupWorkerApi, workerKeyLookup } from '@/core/discovery/lookup-worker-api';
import { createKeystore, type Keystore, type KeystoreChange, type UseStore } from '@/core/keystore/keystore';
import { SEND_ARG_TRANSFERS, SEND_WORKER_METHODS, type SendWorkerApi } from '@/core/send/send-worker-api';
import { currentDiscoverySettings } from '@/stores/discovery-settings-store';
import { type CredentialVault, createCredentialVault } from './credential-vault';
import { createFrameScheduler } from './frame-scheduler';
import { loadOnce } from './load-once';

export const KEYSTORE_CHANNEL = 'pgp-composer-keystore';
/** Tells this page's keystore messages from other tabs' (a page hears its own on a second channel). */
export const PAGE_ID = Math.random().toString(36).slice(2);

/** What the React side gets from outside: the composition root, swapped for fakes in tests. */
export type Services = {
  fetch: typeof fetch;
  now: () => Date;
  vault: CredentialVault;
  origin: string;
  crypto: CryptoApi;
  /** Builds and protects outgoing messages and drafts, and reads drafts back, off the main thread. */
  outgoing: SendWorkerApi;
  keystore: Keystore;
  /**
   * `ready()`: loads the discovery code ahead of the first look-up (it is not in the start-up bundle).
   * `lookUp()`: the network look-up alone (WKD, key server), started at once with the current settings.
   */
  discovery: DiscoveryService & { ready?: () => Promise<void>; lookUp?: (address: string, options: Parameters<KeyLookup>[2]) => ReturnType<KeyLookup> };
};

export function createBrowserServices(): Services {
  // The worker starts on first use: OpenPGP.js is not part of the initial page.
  const worker = createWorkerConnection(() => new Worker(new URL('../core/crypto/crypto.worker.ts', import.meta.url), { type: 'module', name: 'crypto' }));
  const crypto = createCryptoClient(worker);
  const outgoing = worker.api<SendWorkerApi>('send', SEND_WORKER_METHODS, SEND_ARG_TRANSFERS);
  const lookUp = workerKeyLookup(worker.api<LookupWorkerApi>('discovery', LOOKUP_WORKER_METHODS));
  const broadcast = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(KEYSTORE_CHANNEL);
  const channel = broadcast && { postMessage: (change: KeystoreChange) => broadcast.postMessage({ ...change, sender: PAGE_ID }) };
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
    keystore,
    discovery: {
      ...lazyDiscovery(() => import('@/core/discovery/discover-key').then((m) => m.createDiscovery({ lookUp, keystore, settings: currentDiscoverySettings }))),
      lookUp: (address, options) => lookUp(address, currentDiscoverySettings(), options),
    },
  };
}

/** Discovery code loads with the first look-up (or when the composer is idle), not with the page. */
function lazyDiscovery(load: () => Promise<DiscoveryService>): Services['discovery'] {
  const get = loadOnce(load);
  return {
    fromKeystore: async (...args) => (await get()).fromKeystore(...args),
    discoverKey: async (...args) => (await get()).discoverKey(...args),
    ready: async () => void (await get()),
  };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside ServicesProvider');
  return services;
}
