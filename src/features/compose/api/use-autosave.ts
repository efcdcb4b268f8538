import { useEffect } from 'react';
import { type QueryLayer, useQueryLayer } from '@/queries/query-layer';
import { type Services, useServices } from '@/services/services';
import { preloadComposeActions, saveDraft } from './compose-actions';
import type { SaveDraftContext } from './drafts';
import { recipientLive } from './recipient-live-code';

const AUTOSAVE_DELAY_MS = 4000;
const MiB = 1024 * 1024;

/**
 * How long autosave waits after the last edit: each save uploads the whole draft again, so one
 * with large attachments is saved less often (a second more per MiB, at most a minute), not after
 * every pause in typing.
 */
export function autosaveDelay(draftBytes: number): number {
  return Math.min(60_000, AUTOSAVE_DELAY_MS + Math.max(0, Math.floor(draftBytes / MiB) - 1) * 1000);
}

/**
 * Autosave, encrypted to the sender's own key only (a plaintext draft is only ever saved by hand):
 * `enabled` while there are unsaved edits; re-armed by each edit (`revision`); `draftBytes`: about
 * what the draft weighs (see autosaveDelay).
 */
export function useAutosave(
  enabled: boolean,
  revision: number,
  draftBytes: number,
  draftContext: () => SaveDraftContext | null,
) {
  const delay = autosaveDelay(draftBytes);
  useEffect(() => {
    if (!enabled) return;
    const timer = setTimeout(() => {
      const ctx = draftContext();
      if (ctx) void saveDraft(ctx, 'auto');
    }, delay);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- re-armed by each edit (revision), not by every render
  }, [enabled, revision, delay]);
}

/** The query layer and the composer's side of it, with the look-up code warm and the companion's offer asked. */
async function warmUpRecipients(services: Services, queries: QueryLayer): Promise<void> {
  const [{ queryClient }, live] = await Promise.all([queries.load(), recipientLive()]);
  await Promise.all([
    live.warmUpDiscovery(services, queryClient),
    live.preloadTransportCode(),
    live.prefetchCompanionConfig(queryClient, services),
  ]);
}

/**
 * Once the composer is ready and idle: start the crypto worker and get the query layer, look-up,
 * transport, saving and sending code ready, so neither the first recipients' keys nor the first Save or Send
 * wait for OpenPGP.js (not part of the initial bundle) or for a download. Not before the composer
 * is ready: the wait for the account and the keystore is idle time too, and the warm-up would then
 * compete with what the composer needs first.
 */
export function useDiscoveryWarmUp(ready: boolean) {
  const services = useServices();
  const queries = useQueryLayer();
  useEffect(() => {
    if (!ready) return;
    const warm = () => {
      void Promise.all([warmUpRecipients(services, queries), preloadComposeActions()])
        .then(() => performance.mark('compose-warm')) // for scripts/bench-discovery.ts
        .catch(() => undefined);
    };
    const handle =
      typeof requestIdleCallback === 'function' ? requestIdleCallback(warm, { timeout: 2000 }) : setTimeout(warm, 500);
    return () =>
      typeof cancelIdleCallback === 'function'
        ? cancelIdleCallback(handle as number)
        : clearTimeout(handle as ReturnType<typeof setTimeout>);
  }, [ready, services, queries]);
}
