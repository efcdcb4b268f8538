import type { AutocryptKey } from '../keystore/autocrypt-peers';
import type { KeySummary } from '../crypto/types';

export type KeySource = 'keystore' | 'wkd' | 'vks' | 'autocrypt';

/** Why one source gave no usable key, in a form the UI can explain. */
export type SourceFailure = {
  source: Exclude<KeySource, 'keystore'>;
  reason:
    | 'not-found'
    | 'no-matching-user-id'
    | 'unusable'
    | 'timeout'
    | 'network'
    | 'bad-data'
    | 'too-large'
    | 'rate-limited'
    | 'http-error'
    | 'insecure'
    | 'no-wkd';
  detail: string;
  url?: string;
};

export type FoundKey = {
  source: KeySource;
  fingerprint: string;
  armoredPublic: string;
  summary: KeySummary;
  url: string | null;
  /** The key pinned before certifies this one (a vouched-for key change). */
  vouched?: boolean;
  /** For an Autocrypt key: whether the peer's own header or gossip carried it, and when. */
  autocrypt?: Pick<AutocryptKey, 'from' | 'seen' | 'stale'>;
};

/**
 * The answer for one address. `found`: a usable key. `invalid`: a key exists but cannot be used.
 * `none`: every source answered and none has a key. `error`: some source failed, so "no key" is unknown.
 */
export type DiscoveryResult =
  | ({ status: 'found'; checkedAt: string; failures: SourceFailure[] } & FoundKey)
  | ({ status: 'invalid'; checkedAt: string; problem: string; failures: SourceFailure[] } & FoundKey)
  | { status: 'none'; checkedAt: string; failures: SourceFailure[] }
  | { status: 'error'; checkedAt: string; failures: SourceFailure[] };

export type DiscoverySettings = {
  useWkd: boolean;
  /** VKS base URL, e.g. https://keys.openpgp.org; empty disables VKS. */
  keyServer: string;
  /** `proxy`: WKD through the companion server; `browser`: fetch from this page. */
  wkdMode: 'proxy' | 'browser';
  /** Companion server origin (for the proxy). */
  proxyBase: string | null;
};
