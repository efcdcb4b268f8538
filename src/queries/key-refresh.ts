import { useEffect } from 'react';
import { currentDiscoverySettings } from '@/stores/discovery-settings-store';
import { useServices } from '@/services/services';
import { useQueryLayer } from './query-layer';
import { keyringKeys, recipientKeyKeys } from './query-keys';

/** Start-up is for the composer: the daily refresh of stored and pinned keys waits a little. */
const START_DELAY_MS = 10_000;

export function useScheduledKeyRefresh() {
  const services = useServices();
  const queries = useQueryLayer();
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
          const queryClient = queries.current()?.queryClient;
          if (stats.updated && queryClient) {
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
  }, [services, queries]);
}
