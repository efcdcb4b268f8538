import type { AddressKey, CryptoApi } from '../crypto/types';
import type { AutocryptKey } from '../keystore/autocrypt-peers';
import { decodeBase64 } from '../mime/base64';
import { LOOKUP_TIMEOUT_MS } from '../limits';
import { insecureUrlReason } from '../net/loopback';
import { fetchLimited } from './fetch-limited';
import { createProxyBatcher } from './proxy-batch';
import { createJudge, failureOf, type Judge, noKey, type SourceAnswer, UNKNOWN_REASONS } from './source-answer';
import type { DiscoveryResult, DiscoverySettings, SourceFailure } from './types';
import { wkdFromBrowser, wkdFromProxy } from './wkd-sources';

type LookedUpSource = SourceFailure['source'];

export type KeyLookupDeps = {
  fetch: typeof fetch;
  crypto: Pick<CryptoApi, 'keysForAddress'>;
  now?: () => Date;
  timeoutMs?: number;
};

/** The network part of a search: what WKD and the key server hold for an address, judged. */
export type KeyLookup = (
  address: string,
  settings: DiscoverySettings,
  options?: { signal?: AbortSignal; vouchingKey?: string; autocrypt?: AutocryptKey },
) => Promise<DiscoveryResult>;

async function vksByEmail(
  deps: { fetch: typeof fetch; judge: Judge; timeoutMs: number },
  address: string,
  keyServer: string,
  signal?: AbortSignal,
  vouchingKey?: string,
): Promise<SourceAnswer> {
  const url = `${keyServer.replace(/\/+$/, '')}/vks/v1/by-email/${encodeURIComponent(address)}`;
  let insecure: string | null;
  try {
    insecure = insecureUrlReason(new URL(url));
  } catch {
    insecure = `"${keyServer}" is not a key server address.`;
  }
  if (insecure) return noKey(url, { source: 'vks', reason: 'insecure', detail: insecure, url });
  const outcome = await fetchLimited(deps.fetch, url, { timeoutMs: deps.timeoutMs, signal, requireHttps: false });
  if (outcome.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
  if (outcome.kind !== 'ok') return noKey(url, failureOf('vks', outcome, url));
  return deps.judge('vks', outcome.bytes, address, url, vouchingKey);
}

/**
 * WKD (the domain vouches for the key), then the key the peer's own mail offered (Autocrypt: no
 * protection against an active attacker, so after WKD), then a VKS key server. Returns data for every case
 * (`found`, `invalid`, `none`, `error`); throws only when the caller aborts.
 */
export function createKeyLookup(deps: KeyLookupDeps): KeyLookup {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  const judge = createJudge(deps.crypto);
  const direct = { fetch: deps.fetch, judge, timeoutMs };
  // The proxy may try the advanced and then the direct method, each with its own time limit.
  const proxyTimeoutMs = timeoutMs * 2 + 1000;
  const viaProxy = {
    ...direct,
    timeoutMs: proxyTimeoutMs,
    batcher: createProxyBatcher({ fetch: deps.fetch, timeoutMs: proxyTimeoutMs }),
  };

  return async (address, settings, options = {}) => {
    const { signal, vouchingKey, autocrypt } = options;
    const failures: SourceFailure[] = [];
    let unusable: { key: AddressKey; source: LookedUpSource; url: string | null } | null = null;
    const result = (source: LookedUpSource, answer: SourceAnswer): DiscoveryResult | null => {
      if (answer.failure) failures.push(answer.failure);
      if (answer.unusable && !unusable) unusable = { key: answer.unusable, source, url: answer.url };
      if (!answer.found) return null;
      const k = answer.found;
      return {
        status: 'found',
        source,
        fingerprint: k.summary.fingerprint,
        armoredPublic: k.armoredPublic,
        summary: k.summary,
        url: answer.url,
        vouched: k.vouched,
        ...(source === 'autocrypt' && autocrypt
          ? { autocrypt: { from: autocrypt.from, seen: autocrypt.seen, stale: autocrypt.stale } }
          : {}),
        checkedAt: now().toISOString(),
        failures,
      };
    };
    if (settings.useWkd) {
      const proxied =
        settings.wkdMode === 'proxy' && settings.proxyBase
          ? await wkdFromProxy(viaProxy, address, settings.proxyBase, signal, vouchingKey)
          : null;
      const found = result('wkd', proxied ?? (await wkdFromBrowser(direct, address, signal, vouchingKey)));
      if (found) return found;
    }
    if (autocrypt) {
      const keydata = decodeBase64(autocrypt.keydata);
      const found = result('autocrypt', await judge('autocrypt', keydata, address, null, vouchingKey));
      if (found) return found;
    }
    if (settings.keyServer) {
      const found = result('vks', await vksByEmail(direct, address, settings.keyServer, signal, vouchingKey));
      if (found) return found;
    }
    const checkedAt = now().toISOString();
    const bad = unusable as { key: AddressKey; source: LookedUpSource; url: string | null } | null;
    if (bad) {
      return {
        status: 'invalid',
        source: bad.source,
        fingerprint: bad.key.summary.fingerprint,
        armoredPublic: bad.key.armoredPublic,
        summary: bad.key.summary,
        url: bad.url,
        problem: bad.key.problem ?? 'unusable',
        checkedAt,
        failures,
      };
    }
    return { status: failures.some((f) => UNKNOWN_REASONS.includes(f.reason)) ? 'error' : 'none', checkedAt, failures };
  };
}
