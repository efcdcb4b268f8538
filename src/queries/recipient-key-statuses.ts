import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import { useLoadedQueryLayer } from './query-layer';
import { recipientKeyKeys } from './query-keys';

export type KeyStatusOf = RecipientKey['status'] | 'pending';

/**
 * Something about the key statuses of `addresses` (as their chips show them: 'pending' until
 * answered, and before the query layer is here), read from the query cache. The component
 * re-renders only when `pick` returns a different value, not for every answer: the chips own the
 * look-ups (and cancel them on removal).
 */
export function useRecipientKeyStatuses<T extends string | number | boolean>(
  addresses: string[],
  pick: (statuses: KeyStatusOf[]) => T,
): T {
  const layer = useLoadedQueryLayer();
  const subscribe = useCallback(
    (onChange: () => void) =>
      layer ? layer.queryClient.getQueryCache().subscribe(layer.notifyManager.batchCalls(onChange)) : () => undefined,
    [layer],
  );
  const joined = addresses.join('\n');
  const hashes = useMemo(
    () => (layer && joined ? joined.split('\n').map((a) => layer.hashKey(recipientKeyKeys.lookup(a))) : []),
    [joined, layer],
  );
  const read = () => {
    const cache = layer?.queryClient.getQueryCache();
    return pick(
      addresses.map((_, i) => (cache?.get(hashes[i]!)?.state.data as RecipientKey | undefined)?.status ?? 'pending'),
    );
  };
  return useSyncExternalStore(subscribe, read);
}
