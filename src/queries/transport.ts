import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { createTransportClient, type TransportClient, type TransportView } from '@/core/transport/transport-client';
import { useServices } from '@/services/services';
import { useCompanionConfig } from './account';

/** A report is kept this long: DNS and policies change slowly, and the companion caches too. */
const TRANSPORT_STALE_MS = 10 * 60_000;
const UNKNOWN_STALE_MS = 30_000;

const clients = new Map<string, TransportClient>();
function clientFor(fetchFn: typeof fetch, url: string | null): TransportClient {
  const key = url ?? '';
  let client = clients.get(key);
  if (!client) clients.set(key, (client = createTransportClient({ fetch: fetchFn, url })));
  return client;
}

export const transportKeys = { domain: (domain: string) => ['transport', domain] as const };

function transportQuery(fetchFn: typeof fetch, url: string | null, domain: string, enabled: boolean) {
  return {
    queryKey: [...transportKeys.domain(domain), url],
    queryFn: () => clientFor(fetchFn, url).statusOf(domain),
    enabled,
    // An unknown answer (the companion or a name server failed) is asked again soon.
    staleTime: (q: { state: { data?: TransportView } }) =>
      q.state.data?.status === 'unknown' ? UNKNOWN_STALE_MS : TRANSPORT_STALE_MS,
    retry: false,
  };
}

/** One recipient domain's transport status; undefined while pending. */
export function useTransportStatus(domain: string, enabled = true): TransportView | undefined {
  const services = useServices();
  const companion = useCompanionConfig();
  const url = companion.data?.transportUrl ?? null;
  return useQuery(transportQuery(services.fetch, url, domain, enabled && !companion.isPending && !!domain)).data;
}

/**
 * The transport status of each domain (`pending` until known). Domains asked for together share
 * one request to the companion; without a companion every domain is `unknown`, with the reason.
 */
export function useTransportStatuses(domains: string[]): Map<string, TransportView | { status: 'pending' }> {
  const services = useServices();
  const companion = useCompanionConfig();
  const url = companion.data?.transportUrl ?? null;
  const results = useQueries({
    queries: domains.map((domain) => transportQuery(services.fetch, url, domain, !companion.isPending)),
  });
  return new Map(domains.map((d, i) => [d, results[i]?.data ?? { status: 'pending' as const }]));
}

/** Start the checks of new recipients' domains from the input event, before their chips mount. */
export function usePrefetchTransport() {
  const services = useServices();
  const queryClient = useQueryClient();
  const companion = useCompanionConfig();
  return (domains: string[]) => {
    if (companion.isPending) return;
    const url = companion.data?.transportUrl ?? null;
    for (const domain of new Set(domains))
      void queryClient.prefetchQuery(transportQuery(services.fetch, url, domain, true));
  };
}
