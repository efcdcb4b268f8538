import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { KeystoreChange } from '@/core/keystore/keystore';
import { keyringKeys } from './keyring';
import { recipientKeyKeys } from './recipient-keys';
import { KEYSTORE_CHANNEL } from '@/core/keystore/change-channel';
import { PAGE_ID, useServices } from '@/services/services';

/**
 * Another tab changed the keystore: refetch what we show of it. A key pinned for a recipient
 * refreshes only that recipient's look-up, and this page's own pins (one per look-up) are ignored:
 * they would set off the look-up they came from again.
 */
export function useKeystoreSync() {
  const queryClient = useQueryClient();
  const { keystore } = useServices();
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(KEYSTORE_CHANNEL);
    channel.onmessage = ({ data }: MessageEvent<KeystoreChange & { sender?: string }>) => {
      if (data?.sender !== PAGE_ID) keystore.noteOutsideChange();
      if (data?.type === 'pins-changed') {
        if (data.sender !== PAGE_ID)
          for (const address of data.addresses)
            void queryClient.invalidateQueries({ queryKey: recipientKeyKeys.lookup(address) });
      } else {
        void queryClient.invalidateQueries({ queryKey: keyringKeys.all });
      }
    };
    return () => channel.close();
  }, [queryClient, keystore]);
}
