import { useEffect } from 'react';
import type { KeystoreChange } from '@/core/keystore/keystore';
import { KEYSTORE_CHANNEL } from '@/core/keystore/change-channel';
import { PAGE_ID, useServices } from '@/services/services';
import { useQueryLayer } from './query-layer';
import { keyringKeys, recipientKeyKeys } from './query-keys';

/**
 * Another tab changed the keystore: the keystore's own readers hear of it (the From key icon), and
 * what the query cache holds of it is fetched again. A key pinned for a recipient refreshes only
 * that recipient's look-up, and this page's own pins (one per look-up) are ignored: they would set
 * off the look-up they came from again.
 */
export function useKeystoreSync() {
  const queries = useQueryLayer();
  const { keystore } = useServices();
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(KEYSTORE_CHANNEL);
    channel.onmessage = ({ data }: MessageEvent<KeystoreChange & { sender?: string }>) => {
      if (!data) return;
      const outside = data.sender !== PAGE_ID;
      if (outside) keystore.noteOutsideChange(data);
      const queryClient = queries.current()?.queryClient;
      if (!queryClient) return; // nothing cached yet
      if (data.type === 'pins-changed') {
        if (outside)
          for (const address of data.addresses)
            void queryClient.invalidateQueries({ queryKey: recipientKeyKeys.lookup(address) });
      } else {
        void queryClient.invalidateQueries({ queryKey: keyringKeys.all });
      }
    };
    return () => channel.close();
  }, [queries, keystore]);
}
