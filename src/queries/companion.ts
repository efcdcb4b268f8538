import { type QueryClient, useQuery } from '@tanstack/react-query';
import { type Services, useServices } from '@/services/services';
import { companionConfig } from './account';
import { accountKeys } from './query-keys';

const companionQuery = (services: Services) => ({
  queryKey: accountKeys.companion,
  queryFn: () => companionConfig(services),
  staleTime: Infinity,
});

/** The companion server's offer, for the views that wait on it (see companionConfig). */
export function useCompanionConfig() {
  return useQuery(companionQuery(useServices()));
}

/** Into the cache ahead of the first recipient, whose transport check waits on it. */
export const prefetchCompanionConfig = (queryClient: QueryClient, services: Services): Promise<void> =>
  queryClient.prefetchQuery(companionQuery(services));
