import { queryOptions, useQuery } from '@tanstack/react-query';
import type { JmapClient } from '@/core/jmap/client';
import { listMailbox } from '@/core/jmap/mail';
import type { Mailbox } from '@/core/jmap/types';
import { useJmapClient } from '@/stores/session-store';

export const sentKeys = {
  all: ['sent'] as const,
  list: (accountId: string) => [...sentKeys.all, accountId, 'list'] as const,
  raw: (accountId: string, blobId: string) => [...sentKeys.all, accountId, 'raw', blobId] as const,
};

export const draftKeys = {
  all: ['drafts'] as const,
  list: (accountId: string) => [...draftKeys.all, accountId, 'list'] as const,
};

const LIST_LIMIT = 100;

/** The newest messages of one mailbox (Sent, Drafts), under the given query key. */
export const mailboxListQuery = (
  client: JmapClient,
  queryKey: readonly unknown[],
  mailbox: Pick<Mailbox, 'id'> | undefined,
) =>
  queryOptions({
    queryKey,
    queryFn: ({ signal }) => listMailbox(client, { mailboxId: mailbox!.id, limit: LIST_LIMIT, signal }),
    enabled: !!mailbox,
  });

export function useSentList(mailbox: Pick<Mailbox, 'id'> | undefined) {
  const client = useJmapClient();
  return useQuery(mailboxListQuery(client, sentKeys.list(client.session.accountId), mailbox));
}

export function useDraftList(mailbox: Pick<Mailbox, 'id'> | undefined) {
  const client = useJmapClient();
  return useQuery(mailboxListQuery(client, draftKeys.list(client.session.accountId), mailbox));
}

/** The exact bytes the server stored for a message, as text. */
export function useRawMessage(blobId: string) {
  const client = useJmapClient();
  return useQuery({
    queryKey: sentKeys.raw(client.session.accountId, blobId),
    queryFn: async ({ signal }) =>
      new TextDecoder().decode(await client.download({ blobId, name: 'message.eml', type: 'message/rfc822', signal })),
    staleTime: Infinity,
  });
}
