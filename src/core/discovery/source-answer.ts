import type { AddressKey, CryptoApi } from '../crypto/types';
import { toAppError } from '../errors/app-error';
import type { FetchOutcome } from './fetch-limited';
import type { SourceFailure } from './types';

/** What one source (WKD or the key server) says about an address: a usable key, an unusable one, or why neither. */
export type SourceAnswer = {
  found: AddressKey | null;
  unusable: AddressKey | null;
  url: string | null;
  failure: SourceFailure | null;
};

/** A source answered without a key for the address. */
export const noKey = (url: string | null, failure: SourceFailure): SourceAnswer => ({
  found: null,
  unusable: null,
  url,
  failure,
});

/** Failures that mean "we do not know", as opposed to "the source says there is no key". */
export const UNKNOWN_REASONS: readonly SourceFailure['reason'][] = [
  'timeout',
  'network',
  'bad-data',
  'too-large',
  'rate-limited',
  'http-error',
  'insecure',
];

export function failureOf(
  source: 'wkd' | 'vks',
  outcome: Exclude<FetchOutcome, { kind: 'ok' }>,
  url: string,
): SourceFailure {
  switch (outcome.kind) {
    case 'http':
      return outcome.status === 404
        ? {
            source,
            reason: 'not-found',
            detail:
              source === 'vks'
                ? 'The key server has no verified key for this address.'
                : 'The domain publishes no key for this address.',
            url,
          }
        : outcome.status === 429
          ? {
              source,
              reason: 'rate-limited',
              detail: 'The key server asks to wait before more look-ups (HTTP 429).',
              url,
            }
          : { source, reason: 'http-error', detail: `The server answered HTTP ${outcome.status}.`, url };
    case 'timeout':
      return { source, reason: 'timeout', detail: `No answer within ${outcome.ms / 1000} s.`, url };
    case 'too-large':
      return { source, reason: 'too-large', detail: `The answer is larger than ${outcome.limit / 1024} KiB.`, url };
    case 'insecure':
      return { source, reason: 'insecure', detail: `Redirected to ${outcome.url}, which is not https.`, url };
    case 'network':
      return {
        source,
        reason: 'network',
        detail: 'The server could not be reached (network error, or it does not allow this page: CORS).',
        url,
      };
    case 'aborted':
      return { source, reason: 'network', detail: 'The look-up was cancelled.', url };
  }
}

export type Judge = (
  source: SourceFailure['source'],
  bytes: Uint8Array,
  address: string,
  url: string | null,
  vouchingKey?: string,
) => Promise<SourceAnswer>;

/** Judges the bytes a source sent: only keys with a valid user ID for exactly `address` count. */
export function createJudge(crypto: Pick<CryptoApi, 'keysForAddress'>): Judge {
  return async (source, bytes, address, url, vouchingKey) => {
    try {
      const { keys } = await crypto.keysForAddress(bytes, address, vouchingKey);
      const found = keys.find((k) => k.usable) ?? null;
      if (found) return { found, unusable: null, url, failure: null };
      const unusable = keys[0] ?? null;
      if (unusable)
        return {
          found: null,
          unusable,
          url,
          failure: {
            source,
            reason: 'unusable',
            detail: unusable.problem ?? 'The key cannot be used.',
            ...(url ? { url } : {}),
          },
        };
      return noKey(url, {
        source,
        reason: 'no-matching-user-id',
        detail: `The key there has no valid user ID for ${address}.`,
        ...(url ? { url } : {}),
      });
    } catch (e) {
      return noKey(url, {
        source,
        reason: 'bad-data',
        detail: `${source === 'autocrypt' ? 'The Autocrypt header holds' : 'What the server sent is'} not a usable OpenPGP key (${toAppError(e).message}).`,
        ...(url ? { url } : {}),
      });
    }
  };
}
