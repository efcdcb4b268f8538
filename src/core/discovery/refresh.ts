import type { CryptoApi, KeySummary } from '../crypto/types';
import { fetchLimited } from './fetch-limited';
import { insecureUrlReason } from '../net/loopback';

export type RefreshOutcome =
  | { outcome: 'updated'; summary: KeySummary; armoredPublic: string; armoredSecret: string | null }
  | { outcome: 'unchanged' }
  | { outcome: 'not-found' }
  | { outcome: 'failed'; detail: string };

/**
 * Ask the key server for the latest copy of a key we hold (VKS by-fingerprint, uppercase hex) and
 * merge it in: new revocations, subkeys and expiry dates arrive. A copy without any user ID (what
 * VKS returns for a key whose addresses are unpublished, or for a revocation) is merged, not refused.
 */
export async function refreshFromVks(options: {
  fetch: typeof fetch;
  crypto: Pick<CryptoApi, 'mergeKeys'>;
  keyServer: string;
  fingerprint: string;
  stored: { armoredPublic: string; armoredSecret: string | null };
  signal?: AbortSignal;
}): Promise<RefreshOutcome> {
  const url = `${options.keyServer.replace(/\/+$/, '')}/vks/v1/by-fingerprint/${options.fingerprint.toUpperCase()}`;
  const insecure = URL.canParse(url) ? insecureUrlReason(new URL(url)) : 'not a URL';
  if (insecure) return { outcome: 'failed', detail: insecure };
  const response = await fetchLimited(options.fetch, url, {
    requireHttps: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.kind === 'http' && response.status === 404) return { outcome: 'not-found' };
  if (response.kind !== 'ok')
    return { outcome: 'failed', detail: response.kind === 'http' ? `HTTP ${response.status}` : response.kind };
  try {
    const merged = await options.crypto.mergeKeys(options.stored, {
      armoredPublic: new TextDecoder().decode(response.bytes),
      armoredSecret: null,
    });
    if (merged.armoredPublic === options.stored.armoredPublic) return { outcome: 'unchanged' };
    return { outcome: 'updated', ...merged };
  } catch (e) {
    return { outcome: 'failed', detail: e instanceof Error ? e.message : String(e) };
  }
}

type RefreshKeystore = {
  list(): Promise<{ fingerprint: string }[]>;
  get(fingerprint: string): Promise<{ armoredPublic: string; armoredSecret: string | null }>;
  replace(
    fingerprint: string,
    next: { summary: KeySummary; armoredPublic: string; armoredSecret: string | null },
  ): Promise<void>;
  listPins(): Promise<import('../keystore/records').PinRecord[]>;
  setPin(pin: Omit<import('../keystore/records').PinRecord, 'v'>): Promise<void>;
  refreshedAt(fingerprint: string): Promise<string | null>;
  markRefreshed(fingerprint: string, at: string): Promise<void>;
};

export const REFRESH_EVERY_MS = 24 * 3600_000;

/**
 * Refresh stored and pinned keys not refreshed for a day, one request at a time and at most
 * `perSecond` per second (keys.openpgp.org allows 5 by-fingerprint look-ups a second).
 * With `only`: just those keys, due or not (before sending to a key that looks unusable).
 */
export async function refreshDueKeys(options: {
  only?: string[];
  keystore: RefreshKeystore;
  crypto: Pick<CryptoApi, 'mergeKeys'>;
  fetch: typeof fetch;
  keyServer: string;
  now: () => Date;
  limit?: number;
  perSecond?: number;
  signal?: AbortSignal;
}): Promise<{ checked: number; updated: number; failed: number }> {
  const { keystore, now } = options;
  const pause = 1000 / (options.perSecond ?? 4);
  const stats = { checked: 0, updated: 0, failed: 0 };
  if (!options.keyServer) return stats;
  const only = options.only?.map((f) => f.toUpperCase());
  const due = async (fingerprint: string) => {
    if (only) return only.includes(fingerprint.toUpperCase());
    const at = await keystore.refreshedAt(fingerprint);
    return !at || now().getTime() - Date.parse(at) >= REFRESH_EVERY_MS;
  };
  const stored = (await keystore.list()).map((e) => e.fingerprint);
  const pins = (await keystore.listPins()).filter((p) => !stored.includes(p.fingerprint));
  const work: {
    fingerprint: string;
    apply: (r: Extract<RefreshOutcome, { outcome: 'updated' }>) => Promise<void>;
    current: () => Promise<{ armoredPublic: string; armoredSecret: string | null }>;
  }[] = [
    ...stored.map((fingerprint) => ({
      fingerprint,
      current: () => keystore.get(fingerprint),
      apply: (r: Extract<RefreshOutcome, { outcome: 'updated' }>) => keystore.replace(fingerprint, r),
    })),
    ...pins.map((pin) => ({
      fingerprint: pin.fingerprint,
      current: async () => ({ armoredPublic: pin.armoredPublic, armoredSecret: null }),
      apply: (r: Extract<RefreshOutcome, { outcome: 'updated' }>) =>
        keystore.setPin({ ...pin, armoredPublic: r.armoredPublic }),
    })),
  ];
  for (const item of work) {
    if (options.signal?.aborted || stats.checked >= (options.limit ?? 100)) break;
    if (!(await due(item.fingerprint))) continue;
    if (stats.checked > 0) await new Promise((ok) => setTimeout(ok, pause));
    stats.checked++;
    const result = await refreshFromVks({
      fetch: options.fetch,
      crypto: options.crypto,
      keyServer: options.keyServer,
      fingerprint: item.fingerprint,
      stored: await item.current(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result.outcome === 'updated') {
      await item.apply(result);
      stats.updated++;
    }
    if (result.outcome === 'failed') stats.failed++;
    else await keystore.markRefreshed(item.fingerprint, now().toISOString());
  }
  return stats;
}
