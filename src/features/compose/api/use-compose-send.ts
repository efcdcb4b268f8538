import { useState } from 'react';
import { useQueryLayer } from '@/queries/query-layer';
import { useServices } from '@/services/services';
import { useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useJmapClient } from '@/stores/session-store';
import { runSend } from './compose-actions';
import type { ComposeSendOptions } from './run-send';

/**
 * Send, and `offerPlain`: the message was blocked for recipients without keys, so the choices
 * (remove them, or send unencrypted) are offered. The work itself is in run-send.ts.
 */
export function useComposeSend(options: ComposeSendOptions) {
  const services = useServices();
  const queries = useQueryLayer();
  const client = useJmapClient();
  const protectHeaders = useDiscoverySettingsStore((s) => s.protectHeaders);
  const [offerPlain, setOfferPlain] = useState(false);

  async function submit(): Promise<void> {
    setOfferPlain(false);
    await runSend({ options, services, queries, client, protectHeaders, setOfferPlain });
  }

  return { submit, offerPlain, dismissOfferPlain: () => setOfferPlain(false) };
}
