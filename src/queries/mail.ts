import { queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';
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

export const mailboxKeys = {
  all: ['mailbox'] as const,
  pages: (accountId: string, mailboxId: string) => [...mailboxKeys.all, accountId, 'pages', mailboxId] as const,
  state: (accountId: string) => [...mailboxKeys.all, accountId, 'state'] as const,
};

const PAGE_SIZE = 100;

/** A mailbox newest first, a page at a time (a list of thousands loads as it is scrolled to). */
export function useMailboxPages(mailbox: Pick<Mailbox, 'id'> | undefined) {
  const client = useJmapClient();
  return useInfiniteQuery({
    queryKey: mailboxKeys.pages(client.session.accountId, mailbox?.id ?? ''),
    queryFn: ({ pageParam, signal }) =>
      listMailbox(client, { mailboxId: mailbox!.id, limit: PAGE_SIZE, position: pageParam, signal }),
    initialPageParam: 0,
    getNextPageParam: (last) => {
      const next = last.position + last.emails.length;
      return last.emails.length === PAGE_SIZE && (last.total === undefined || next < last.total) ? next : undefined;
    },
    enabled: !!mailbox,
  });
}
