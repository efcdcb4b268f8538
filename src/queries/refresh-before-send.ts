import type { QueryClient } from '@tanstack/react-query';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import type { Services } from '@/services/services';
import { currentDiscoverySettings } from '@/stores/discovery-settings-store';
import { keyringKeys } from './query-keys';
import { recipientKeyQuery } from './recipient-keys';

/**
 * Before an encrypted send to recipients whose keys look unusable (expired, revoked): ask the key
 * server for the latest copies of those keys (an owner may have extended one) and look the
 * recipients up again. Returns every recipient's key state, fresh.
 */
export async function refreshBeforeSend(
  services: Services,
  queryClient: QueryClient,
  addresses: string[],
  states: (RecipientKey | undefined)[],
): Promise<(RecipientKey | undefined)[]> {
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
}
