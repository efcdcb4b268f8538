import { del, get, set } from 'idb-keyval';
import type { StateStorage } from 'zustand/middleware';

/** zustand's persist storage on IndexedDB (idb-keyval's default store). */
export const idbStorage: StateStorage = {
  getItem: async (name) => (await get<string>(name)) ?? null,
  setItem: (name, value) => set(name, value),
  removeItem: (name) => del(name),
};
