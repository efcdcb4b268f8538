import { useEffect } from 'react';
import { type CompanionConfig, loadCompanionConfig } from '@/core/companion/companion';
import { loadAccountSetup, type AccountSetup } from '@/core/jmap/account-setup';
import type { Services } from '@/services/services';
import { useSessionStore, useSignedInSession } from '@/stores/session-store';

const SETUP_STALE_MS = 5 * 60_000;

/**
 * Identities and Drafts/Sent mailboxes of the signed-in account, as read when connecting; a view
 * that shows them reads them again when that was over five minutes ago (keeping them if it fails).
 */
export function useAccountSetup(): AccountSetup {
  const { client, setup, setupAt } = useSignedInSession();
  const setupRead = useSessionStore((s) => s.setupRead);
  useEffect(() => {
    if (Date.now() - setupAt < SETUP_STALE_MS) return;
    const abort = new AbortController();
    loadAccountSetup(client, abort.signal).then(
      (read) => setupRead(client, read),
      () => undefined,
    );
    return () => abort.abort();
  }, [client, setupAt, setupRead]);
  return setup;
}

const companionConfigs = new WeakMap<Services, Promise<CompanionConfig | null>>();

/**
 * The companion server's offer (lookup proxy, web key directory, key server), or null without one:
 * asked once per page, and again after a null answer (the companion may have been unreachable).
 */
export function companionConfig(services: Services): Promise<CompanionConfig | null> {
  let config = companionConfigs.get(services);
  if (!config) {
    config = loadCompanionConfig(services.fetch, services.origin);
    companionConfigs.set(services, config);
    void config.then((answer) => answer ?? companionConfigs.delete(services));
  }
  return config;
}
