import { CODE_UNAVAILABLE_MESSAGE, loadCode } from '@/core/load-once';
import { draftNotSaved, useComposerStore } from '../stores/composer-store';
import type { QueryLayer } from '@/queries/query-layer';
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
  } catch {
    return draftNotSaved(reason, `Draft not saved. ${CODE_UNAVAILABLE_MESSAGE}`);
  }
  await module.saveDraft(ctx, reason);
}

/** Send reads the recipients' keys from the query layer: it loads with the sending code if need be. */
export async function runSend({
  queries,
  ...context
}: Omit<SendContext, 'queryClient'> & { queries: QueryLayer }): Promise<void> {
  let module: Awaited<ReturnType<typeof sending>>;
  let queryClient: SendContext['queryClient'];
  try {
    [module, { queryClient }] = await Promise.all([sending(), queries.load()]);
  } catch {
    return useComposerStore.getState().setStatus({ state: 'failed', message: `Not sent. ${CODE_UNAVAILABLE_MESSAGE}` });
  }
  await module.runSend({ ...context, queryClient });
}
