import { useQuery } from '@tanstack/react-query';
import { loadCompanionConfig } from '@/core/companion/companion';
import { useServices } from '@/services/services';
import { loadAccountSetup } from '@/core/jmap/account-setup';
import { useJmapClient } from '@/stores/session-store';

/** Query keys shared by several features. */
export const accountKeys = {
  all: ['account'] as const,
  setup: (accountId: string) => [...accountKeys.all, accountId, 'setup'] as const,
  companion: ['companion'] as const,
};

/** Identities and Drafts/Sent mailboxes of the signed-in account. */
export function useAccountSetup() {
  const client = useJmapClient();
  return useQuery({
    queryKey: accountKeys.setup(client.session.accountId),
    queryFn: ({ signal }) => loadAccountSetup(client, signal),
    staleTime: 5 * 60_000,
  });
}

/** The companion server's offer (lookup proxy, web key directory, key server), or null without one. */
export function useCompanionConfig() {
  const services = useServices();
  return useQuery({
    queryKey: accountKeys.companion,
    queryFn: ({ signal }) => loadCompanionConfig(services.fetch, services.origin, signal),
    staleTime: Infinity,
  });
}
