import { useQuery } from '@tanstack/react-query';
import { loadAccountSetup } from '@/core/jmap/mail';
import { useJmapClient } from '@/stores/session-store';

/** Query keys shared by several features. */
export const accountKeys = {
  all: ['account'] as const,
  setup: (accountId: string) => [...accountKeys.all, accountId, 'setup'] as const,
  companion: ['companion'] as const,
};

export const sentKeys = {
  all: ['sent'] as const,
  list: (accountId: string) => [...sentKeys.all, accountId, 'list'] as const,
  raw: (accountId: string, blobId: string) => [...sentKeys.all, accountId, 'raw', blobId] as const,
};

export const draftKeys = {
  all: ['drafts'] as const,
  list: (accountId: string) => [...draftKeys.all, accountId, 'list'] as const,
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
