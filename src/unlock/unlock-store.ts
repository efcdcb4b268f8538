import { create } from 'zustand';
import { AppError } from '@/core/errors/app-error';

type UnlockRequest = { fingerprint: string; label: string; resolve: () => void; reject: (reason: AppError) => void };

type UnlockStore = {
  request: UnlockRequest | null;
  /**
   * Ask the user for the passphrase of a secret key; settles when unlocked, or rejects with
   * `unlock/cancelled` (the dialog was dismissed) or `unlock/superseded` (another request replaced it).
   */
  ask: (fingerprint: string, label: string) => Promise<void>;
  /** `failure`: the dialog itself could not be shown (its code did not download). */
  finish: (outcome: 'unlocked' | 'cancelled' | { failure: AppError }) => void;
};

export const useUnlockStore = create<UnlockStore>((set, get) => ({
  request: null,
  ask: (fingerprint, label) =>
    new Promise<void>((resolve, reject) => {
      get().request?.reject(new AppError('unlock/superseded', 'Superseded by another unlock request'));
      set({ request: { fingerprint, label, resolve, reject } });
    }),
  finish: (outcome) => {
    const request = get().request;
    set({ request: null });
    if (outcome === 'unlocked') request?.resolve();
    else
      request?.reject(outcome === 'cancelled' ? new AppError('unlock/cancelled', 'Unlock cancelled') : outcome.failure);
  },
}));
