import { loadCode } from '@/core/load-once';
import { userMessage } from '@/core/errors/user-messages';
import { draftNotSaved, useComposerStore } from '../stores/composer-store';
import type { SaveDraftContext } from './drafts';
import type { SendContext } from './run-send';

// Saving and sending load when the composer is idle (preloadComposeActions) or on first use, not
// with the page: the composer is usable before them.
const drafts = loadCode(() => import('./drafts'));
const sending = loadCode(() => import('./run-send'));

/** Resolves once both are here, or failed (they are then tried again on first use). */
export const preloadComposeActions = (): Promise<void> =>
  Promise.all([drafts(), sending()]).then(
    () => undefined,
    () => undefined,
  );

export async function saveDraft(ctx: SaveDraftContext, reason: 'manual' | 'auto'): Promise<void> {
  let module: Awaited<ReturnType<typeof drafts>>;
  try {
    module = await drafts();
  } catch (e) {
    return draftNotSaved(reason, `Draft not saved. ${userMessage(e)}`);
  }
  await module.saveDraft(ctx, reason);
}

export async function runSend(context: SendContext): Promise<void> {
  let module: Awaited<ReturnType<typeof sending>>;
  try {
    module = await sending();
  } catch (e) {
    return useComposerStore.getState().setStatus({ state: 'failed', message: `Not sent. ${userMessage(e)}` });
  }
  await module.runSend(context);
}
