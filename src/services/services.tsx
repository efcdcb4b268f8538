import { createContext, type ReactNode, useContext } from 'react';
import type { CryptoApi } from '@/core/crypto/types';
import type { DiscoveryService } from '@/core/discovery/discover-key';
import type { KeyLookup } from '@/core/discovery/key-lookup';
import type { DiscoverySettings } from '@/core/discovery/types';
import type { Keystore } from '@/core/keystore/keystore';
import type { ReadingWorkerApi } from '@/core/reading/reading-worker-api';
import type { SendWorkerApi } from '@/core/send/send-worker-api';
import type { CredentialVault } from '@/lib/credential-vault';

/** Tells this page's keystore messages from other tabs' (a page hears its own on a second channel). */
export const PAGE_ID = Math.random().toString(36).slice(2);

/** What the React side gets from outside: built once by the app (src/app/browser-services.ts), swapped for fakes in tests. */
export type Services = {
  fetch: typeof fetch;
  now: () => Date;
  vault: CredentialVault;
  origin: string;
  crypto: CryptoApi;
  /** Builds and protects outgoing messages and drafts, and reads drafts back, off the main thread. */
  outgoing: SendWorkerApi;
  /** Opens received messages (decrypts, verifies) off the main thread. */
  reading: ReadingWorkerApi;
  keystore: Keystore;
  /**
   * `ready()`: loads the discovery code ahead of the first look-up (it is not in the start-up bundle).
   * `lookUp()`: the network look-up alone (WKD, key server), started at once with the current settings.
   */
  discovery: DiscoveryService & {
    ready?: () => Promise<void>;
    /** `settings` overrides the current discovery settings for this look-up (e.g. WKD only). */
    lookUp?: (
      address: string,
      options: Parameters<KeyLookup>[2] & { settings?: Partial<DiscoverySettings> },
    ) => ReturnType<KeyLookup>;
  };
};

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside ServicesProvider');
  return services;
}
