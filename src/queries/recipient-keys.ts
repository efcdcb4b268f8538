import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EarlyLookUp } from '@/core/discovery/discover-key';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import { userMessage } from '@/core/errors/user-messages';
import { loadRecipientParser } from '@/lib/recipient-parser';
import { loadOnce } from '@/core/load-once';
import { type Services, useServices } from '@/services/services';
import { keyringKeys, recipientKeyKeys } from './query-keys';

const FOUND_STALE_MS = 10 * 60_000;
const MISS_STALE_MS = 60_000;

// Loaded with the first look-up (or when the composer is idle): not part of the initial page.
const discoveryCore = loadOnce(() => import('@/core/discovery/resolve-recipient'));

const WARM_UP_ADDRESS = 'warm-up@example.invalid';

/**
 * Get ready for the first recipients while the composer is idle: load the look-up code, and run
 * the address parser, the keystore reads and (in the worker) the key checks a few times on a
 * made-up address, so the first paste runs compiled code. Nothing leaves the browser.
 */
export async function warmUpDiscovery(services: Services, queryClient: QueryClient): Promise<void> {
  const parseRecipient = await loadRecipientParser();
  for (let i = 0; i < 20; i++) {
    parseRecipient(`"Warm Up ${i}" <warm.up+${i}@example.invalid>`);
    parseRecipient(`w${i}@example.invalid`);
  }
  await Promise.all([discoveryCore(), services.discovery.ready?.()]);
  // Look-ups already under way (a paste before the composer was idle) warm the key checks themselves;
  // the warm-up would only compete with them for the worker.
  const lookUpsStarted = queryClient.getQueryCache().findAll({ queryKey: recipientKeyKeys.all }).length > 0;
  await Promise.all([
    lookUpsStarted ? undefined : services.crypto.warmUpKeyChecks(),
    services.keystore.getPin(WARM_UP_ADDRESS),
    services.keystore.loadAddressIndex(),
    services.discovery.fromKeystore(WARM_UP_ADDRESS),
  ]);
}

/**
 * Start the network look-up at once, before the keystore is read, for an address with nothing
 * stored (as far as this page knows): the read and the render of new chips then overlap the
 * requests. resolveRecipientKey() cancels it if the keystore holds a key or a pin after all.
 */
function earlyLookUp(services: Services, address: string, signal: AbortSignal): EarlyLookUp | undefined {
  const { lookUp } = services.discovery;
  if (!lookUp || services.keystore.mayHold(address) !== false) return undefined;
  const controller = new AbortController();
  const cancel = () => controller.abort();
  signal.addEventListener('abort', cancel, { once: true });
  const result = lookUp(address, { signal: controller.signal });
  void result.catch(() => undefined).finally(() => signal.removeEventListener('abort', cancel));
  return { result, cancel };
}

async function resolve(services: Services, address: string, signal: AbortSignal, force = false): Promise<RecipientKey> {
  const early = force ? undefined : earlyLookUp(services, address, signal);
  try {
    return await (
      await discoveryCore()
    ).resolveRecipientKey({
      address,
      discovery: services.discovery,
      pins: services.keystore,
      summarize: async (armored: string) => (await services.crypto.inspectKeys(armored))[0]!.summary,
      now: services.now,
      signal,
      force,
      ...(early ? { early } : {}),
    });
  } catch (e) {
    early?.cancel(); // e.g. the look-up code failed to load
    if (signal.aborted) throw e;
    // The keystore or the worker failed: the chip says the look-up failed (never "pending" for ever, never "no key").
    return { status: 'error', failures: [], checkedAt: services.now().toISOString(), detail: userMessage(e) };
  }
}

export const recipientKeyQuery = (services: Services, address: string) => ({
  queryKey: recipientKeyKeys.lookup(address),
  queryFn: ({ signal }: { signal: AbortSignal }) => resolve(services, address, signal),
  // Misses (none, error) are asked again sooner than hits.
  staleTime: (q: { state: { data?: RecipientKey } }) =>
    q.state.data && (q.state.data.status === 'valid' || q.state.data.status === 'changed')
      ? FOUND_STALE_MS
      : MISS_STALE_MS,
  retry: false,
});

/** The key status of one recipient; removing the chip unmounts the query and aborts its look-up. */
export function useRecipientKey(address: string, enabled = true) {
  const services = useServices();
  return useQuery({ ...recipientKeyQuery(services, address), enabled });
}

/**
 * Start the look-ups of new chips at once, from the input event: the chips' own queries would
 * start only after twenty chips have rendered and mounted.
 */
export function prefetchRecipientKeys(queryClient: QueryClient, services: Services, addresses: string[]): void {
  for (const address of addresses) void queryClient.prefetchQuery(recipientKeyQuery(services, address));
}

/** The answers the chips show now, for what the user just asked for (Send). */
export function currentRecipientKeys(queryClient: QueryClient, addresses: string[]): (RecipientKey | undefined)[] {
  return addresses.map((a) => queryClient.getQueryData<RecipientKey>(recipientKeyKeys.lookup(a)));
}

export function useRecipientKeyActions() {
  const services = useServices();
  const queryClient = useQueryClient();
  const refresh = (address: string) => queryClient.invalidateQueries({ queryKey: recipientKeyKeys.lookup(address) });
  return {
    /** Look up again now, past a recently confirmed pin. */
    retry: (address: string) =>
      queryClient.fetchQuery({
        queryKey: recipientKeyKeys.lookup(address),
        queryFn: ({ signal }) => resolve(services, address, signal, true),
        staleTime: 0,
      }),
    async decide(change: Extract<RecipientKey, { status: 'changed' }>, accept: boolean) {
      await (await discoveryCore()).decideKeyChange(services.keystore, change, accept, services.now());
      await refresh(change.pinned.address);
    },
    async importKey(address: string, armoredPublic: string) {
      const result = await services.keystore.storeInspected(await services.crypto.inspectKeys(armoredPublic));
      await queryClient.invalidateQueries({ queryKey: keyringKeys.all });
      await refresh(address);
      return result;
    },
  };
}
