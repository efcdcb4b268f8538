import { type QueryClient, useQuery } from '@tanstack/react-query';
import type { CompanionConfig } from '@/core/companion/companion';
import { loadCode, whenLoaded } from '@/core/load-once';
import { userMessage } from '@/core/errors/user-messages';
import type { TransportClient } from '@/core/transport/transport-client';
import type { TransportView } from '@/core/transport/transport-status';
import { type Services, useServices } from '@/services/services';
import { useCompanionConfig } from './companion';
import { accountKeys } from './query-keys';

/** A report is kept this long: DNS and policies change slowly, and the companion caches too. */
const TRANSPORT_STALE_MS = 10 * 60_000;
const UNKNOWN_STALE_MS = 30_000;

const transportCode = loadCode(() => import('@/core/transport/transport-client'));
const clients = new Map<string, TransportClient>();

/** Once its code is here, the client is called in the same turn: domains asked together share a request. */
function statusOf(fetchFn: typeof fetch, url: string | null, domain: string): Promise<TransportView> {
  const ask = ({ createTransportClient }: Awaited<ReturnType<typeof transportCode>>) => {
    const key = url ?? '';
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createTransportClient({ fetch: fetchFn, url })));
    return client.statusOf(domain);
  };
  // statusOf() itself never fails: what can is the download of the client's code.
  return whenLoaded(transportCode(), ask).catch((e: unknown) => ({
    domain,
    status: 'unknown' as const,
    detail: userMessage(e),
  }));
}

/** Fetched ahead when the composer is idle, so the first recipient's check does not wait for it. */
export const preloadTransportCode = (): Promise<void> =>
  Promise.resolve(transportCode()).then(
    () => undefined,
    () => undefined,
  );

export const transportKeys = { domain: (domain: string) => ['transport', domain] as const };

function transportQuery(fetchFn: typeof fetch, url: string | null, domain: string, enabled: boolean) {
  return {
    queryKey: [...transportKeys.domain(domain), url],
    queryFn: () => statusOf(fetchFn, url, domain),
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

/** Start the checks of new recipients' domains from the input event, before their chips mount. */
export function prefetchTransport(queryClient: QueryClient, services: Services, domains: string[]): void {
  const companion = queryClient.getQueryState<CompanionConfig | null>(accountKeys.companion);
  if (companion?.status !== 'success') return; // the chips ask once the companion has answered
  const url = companion.data?.transportUrl ?? null;
  for (const domain of new Set(domains))
    void queryClient.prefetchQuery(transportQuery(services.fetch, url, domain, true));
}
