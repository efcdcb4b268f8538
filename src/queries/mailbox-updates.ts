import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { emailChangesSince } from '@/core/jmap/mail';
import { watchPush } from '@/core/jmap/push';
import { useJmapClient } from '@/stores/session-store';
import { mailboxKeys, sentKeys } from './mail';

// Only the mailbox views follow changes: the push client stays out of the composer's start-up code.

/** How often the account is asked whether anything changed while push is not delivering. */
const POLL_MS = 5000;

/**
 * New mail without a reload (RFC 8620 §7.3, §5.2): the server's push stream when it offers one
 * and it delivers, else Email/changes every few seconds. Either way a change fetches the mailbox
 * lists again; so does a push stream coming back (changes may have been missed meanwhile).
 */
export function useMailboxUpdates() {
  const client = useJmapClient();
  const queryClient = useQueryClient();
  const accountId = client.session.accountId;
  const [pushing, setPushing] = useState(false);

  const refresh = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: [...mailboxKeys.all, accountId, 'pages'] });
    void queryClient.invalidateQueries({ queryKey: sentKeys.all });
  }, [queryClient, accountId]);

  useEffect(() => {
    const controller = new AbortController();
    let connections = 0;
    void watchPush(client, {
      types: ['Email', 'Mailbox'],
      signal: controller.signal,
      onChange: refresh,
      onConnected: (connected) => {
        setPushing(connected);
        if (connected && connections++ > 0) refresh();
      },
    }).then(() => setPushing(false));
    return () => controller.abort();
  }, [client, refresh]);

  const since = useRef<string | undefined>(undefined);
  useQuery({
    queryKey: mailboxKeys.state(accountId),
    queryFn: async ({ signal }) => {
      const { state, changed } = await emailChangesSince(client, since.current, signal);
      since.current = state;
      if (changed) refresh();
      return state ?? null;
    },
    refetchInterval: pushing ? false : POLL_MS,
    refetchIntervalInBackground: false,
  });
}
