import { loadCode } from '@/core/load-once';

/**
 * The composer's query-layer side (recipient-live.tsx: key look-ups and transport checks): not part
 * of the start-up bundle; it loads when the composer is idle, or with the first recipient.
 */
export const recipientLive = loadCode(() => import('../components/recipient-live'));

/** That code if it is here; else null, and it starts loading (a failure shows on the chips). */
export function recipientLiveIfLoaded(): Awaited<ReturnType<typeof recipientLive>> | null {
  const code = recipientLive();
  if (!(code instanceof Promise)) return code;
  code.catch(() => undefined);
  return null;
}
