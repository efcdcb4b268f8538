import { isAppError } from '@/core/errors/app-error';
import type { CryptoApi } from '@/core/crypto/types';
import { useUnlockStore } from './unlock-store';

/**
 * Unlock a secret key in the worker unless it is unlocked already, asking for its passphrase.
 * Rejects with `unlock/cancelled` when the user dismisses the dialog.
 */
export async function ensureUnlocked(
  crypto: Pick<CryptoApi, 'unlockedKeys'>,
  fingerprint: string,
  label: string,
): Promise<void> {
  if ((await crypto.unlockedKeys()).includes(fingerprint)) return;
  await useUnlockStore.getState().ask(fingerprint, label);
}

/** The user chose not to unlock (or another unlock request took over): nothing to report. */
export const isUnlockDeclined = (e: unknown): boolean =>
  isAppError(e, 'unlock/cancelled') || isAppError(e, 'unlock/superseded');
