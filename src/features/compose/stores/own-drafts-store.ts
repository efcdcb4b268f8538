import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { idbStorage } from '@/stores/idb-storage';

/** Drafts remembered at most: the newest are kept. */
const MAX_REMEMBERED = 500;

type OwnDrafts = {
  /** Ids of drafts this browser stored (unsigned ones too: autosave runs while the key is locked). */
  ids: string[];
  remember: (id: string) => void;
};

/**
 * Which drafts this browser itself saved. With the author's signature, this is how a draft is known
 * to be the user's own: anyone can encrypt a "draft" to the user's public key and put it in Drafts.
 */
export const useOwnDraftsStore = create<OwnDrafts>()(
  persist(
    (set) => ({
      ids: [],
      remember: (id) => set((s) => ({ ids: [...s.ids.filter((i) => i !== id), id].slice(-MAX_REMEMBERED) })),
    }),
    {
      name: 'pgp-composer-own-drafts',
      version: 1,
      storage: createJSONStorage(() => idbStorage),
      partialize: (s) => ({ ids: s.ids }),
    },
  ),
);
