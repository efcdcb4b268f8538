import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { idbStorage } from './idb-storage';

type Preferences = {
  /** How long an unlocked secret key stays usable in the crypto worker. */
  unlockMinutes: number;
  setUnlockMinutes: (minutes: number) => void;
};

export const UNLOCK_CHOICES = [1, 5, 10, 30, 60] as const;

export const usePreferencesStore = create<Preferences>()(
  persist(
    (setState) => ({
      unlockMinutes: 10,
      setUnlockMinutes: (unlockMinutes) => setState({ unlockMinutes }),
    }),
    {
      name: 'pgp-composer-preferences',
      version: 1,
      storage: createJSONStorage(() => idbStorage),
      partialize: (s) => ({ unlockMinutes: s.unlockMinutes }),
    },
  ),
);
