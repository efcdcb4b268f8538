import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { DiscoverySettings } from '@/core/discovery/types';
import { idbStorage } from './idb-storage';

export const DEFAULT_KEY_SERVER = 'https://keys.openpgp.org';

type State = {
  useWkd: boolean;
  keyServer: string;
  /** `auto`: through the companion server when there is one, else from the browser. */
  wkdMode: 'auto' | 'proxy' | 'browser';
  autoEncrypt: boolean;
  /** Header protection for encrypted and signed mail (RFC 9788); on by default. */
  protectHeaders: boolean;
  /** Set when the companion config is loaded; not persisted. */
  proxyBase: string | null;
  update: (
    patch: Partial<Pick<State, 'useWkd' | 'keyServer' | 'wkdMode' | 'autoEncrypt' | 'protectHeaders' | 'proxyBase'>>,
  ) => void;
};

export const useDiscoverySettingsStore = create<State>()(
  persist(
    (set) => ({
      useWkd: true,
      keyServer: DEFAULT_KEY_SERVER,
      wkdMode: 'auto',
      autoEncrypt: true,
      protectHeaders: true,
      proxyBase: null,
      update: (patch) => set(patch),
    }),
    {
      name: 'pgp-composer-discovery',
      version: 1,
      storage: createJSONStorage(() => idbStorage),
      partialize: (s) => ({
        useWkd: s.useWkd,
        keyServer: s.keyServer,
        wkdMode: s.wkdMode,
        autoEncrypt: s.autoEncrypt,
        protectHeaders: s.protectHeaders,
      }),
    },
  ),
);

/** The settings the discovery service reads at each look-up. */
export function currentDiscoverySettings(): DiscoverySettings {
  const s = useDiscoverySettingsStore.getState();
  const proxy = s.wkdMode !== 'browser' && s.proxyBase !== null;
  return {
    useWkd: s.useWkd,
    keyServer: s.keyServer.trim(),
    wkdMode: proxy ? 'proxy' : 'browser',
    proxyBase: proxy ? s.proxyBase : null,
  };
}
