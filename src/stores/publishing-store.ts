import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { idbStorage } from './idb-storage';

type Published = { fingerprint: string; updatedAt: string };
type Uploaded = { fingerprint: string; at: string };

type PublishingState = {
  /** Addresses whose switch **Publish key for <address>** is off (on is the default). */
  off: Record<string, true>;
  /** What this browser last published for each address: the key and its updatedAt then. */
  published: Record<string, Published>;
  /** Keys uploaded to the key server from this browser, per address (then verification is awaited). */
  uploaded: Record<string, Uploaded>;
  setPublishOn: (address: string, on: boolean) => void;
  notePublished: (address: string, published: Published | null) => void;
  noteUploaded: (address: string, uploaded: Uploaded) => void;
};

const without = <T>(record: Record<string, T>, key: string) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));

/** The user's publishing choices and this browser's record of what it published (never keys or secrets). */
export const usePublishingStore = create<PublishingState>()(
  persist(
    (set) => ({
      off: {},
      published: {},
      uploaded: {},
      setPublishOn: (address, on) =>
        set((s) => ({ off: on ? without(s.off, address) : { ...s.off, [address]: true } })),
      notePublished: (address, published) =>
        set((s) => ({
          published: published ? { ...s.published, [address]: published } : without(s.published, address),
        })),
      noteUploaded: (address, uploaded) => set((s) => ({ uploaded: { ...s.uploaded, [address]: uploaded } })),
    }),
    {
      name: 'pgp-composer-publishing',
      version: 1,
      storage: createJSONStorage(() => idbStorage),
      partialize: (s) => ({ off: s.off, published: s.published, uploaded: s.uploaded }),
    },
  ),
);
