import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { currentDiscoverySettings } from '@/stores/discovery-settings-store';
import { keyringKeys } from './keyring';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import { recipientKeyKeys, recipientKeyQuery } from './recipient-keys';
import { useServices } from '@/services/services';

/** Start-up is for the composer: the daily refresh of stored and pinned keys waits a little. */
const START_DELAY_MS = 10_000;

export function useScheduledKeyRefresh() {
  const services = useServices();
  const queryClient = useQueryClient();
  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      const { keyServer } = currentDiscoverySettings();
      void import('@/core/discovery/refresh')
        .then(({ refreshDueKeys }) =>
          refreshDueKeys({
            keystore: services.keystore,
            crypto: services.crypto,
            fetch: services.fetch,
            keyServer,
            now: services.now,
            signal: abort.signal,
          }),
        )
        .then((stats) => {
          if (stats.updated) {
            void queryClient.invalidateQueries({ queryKey: keyringKeys.all });
            void queryClient.invalidateQueries({ queryKey: recipientKeyKeys.all });
          }
        })
        .catch(() => undefined); // best effort; the next start tries again
    }, START_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [services, queryClient]);
}

/**
 * Before an encrypted send to recipients whose keys look unusable (expired, revoked): ask the key
 * server for the latest copies of those keys (an owner may have extended one) and look the
 * recipients up again. Returns every recipient's key state, fresh.
 */
export function useRefreshBeforeSend() {
  const services = useServices();
  const queryClient = useQueryClient();
  return async (addresses: string[], states: (RecipientKey | undefined)[]): Promise<(RecipientKey | undefined)[]> => {
    const unusable = states.flatMap((s) => (s?.status === 'invalid' ? [s.fingerprint] : []));
    if (!unusable.length) return states;
    const { keyServer } = currentDiscoverySettings();
    const { refreshDueKeys } = await import('@/core/discovery/refresh');
    const stats = await refreshDueKeys({
      keystore: services.keystore,
      crypto: services.crypto,
      fetch: services.fetch,
      keyServer,
      now: services.now,
      only: unusable,
    }).catch(() => null);
    if (stats?.updated) void queryClient.invalidateQueries({ queryKey: keyringKeys.all });
    return Promise.all(
      addresses.map((address, i) =>
        states[i]?.status === 'invalid'
          ? queryClient.fetchQuery({ ...recipientKeyQuery(services, address), staleTime: 0 }).catch(() => states[i])
          : states[i],
      ),
    );
  };
}
