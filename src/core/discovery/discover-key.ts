import type { AddressKey, CryptoApi } from '../crypto/types';
import { toAppError } from '../errors/app-error';
import { currentStatus, type KeyListEntry } from '../keystore/records';
import { fetchLimited, type FetchOutcome } from './fetch-limited';
import { createProxyBatcher } from './proxy-batch';
import type { DiscoveryResult, DiscoverySettings, FoundKey, SourceFailure } from './types';
import { wkdLocation } from './wkd-url';

export type KeystoreLookup = { entriesFor(address: string): Promise<KeyListEntry[]>; get(fingerprint: string): Promise<{ armoredPublic: string; summary: FoundKey['summary'] }> };

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
  options?: { signal?: AbortSignal; vouchingKey?: string },
) => Promise<DiscoveryResult>;

export type DiscoveryDeps = {
  keystore: KeystoreLookup;
  settings: () => DiscoverySettings;
  /** Runs in the crypto worker in the app, so responses and key checks stay off the main thread. */
  lookUp: KeyLookup;
  now?: () => Date;
};

const base64Bytes = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The companion's JSON when it has no key bytes to return (server/lookup/wkd-proxy.ts). */
type ProxyAnswer = { outcome?: string; url?: string; detail?: string };

type SourceAnswer = { found: AddressKey | null; unusable: AddressKey | null; url: string | null; failure: SourceFailure | null };

const failureOf = (source: 'wkd' | 'vks', outcome: Exclude<FetchOutcome, { kind: 'ok' }>, url: string): SourceFailure => {
  switch (outcome.kind) {
    case 'http':
      return outcome.status === 404
        ? { source, reason: 'not-found', detail: source === 'vks' ? 'The key server has no verified key for this address.' : 'The domain publishes no key for this address.', url }
        : outcome.status === 429
          ? { source, reason: 'rate-limited', detail: 'The key server asks to wait before more look-ups (HTTP 429).', url }
          : { source, reason: 'http-error', detail: `The server answered HTTP ${outcome.status}.`, url };
    case 'timeout':
      return { source, reason: 'timeout', detail: `No answer within ${outcome.ms / 1000} s.`, url };
    case 'too-large':
      return { source, reason: 'too-large', detail: `The answer is larger than ${outcome.limit / 1024} KiB.`, url };
    case 'insecure':
      return { source, reason: 'insecure', detail: `Redirected to ${outcome.url}, which is not https.`, url };
    case 'network':
      return { source, reason: 'network', detail: 'The server could not be reached (network error, or it does not allow this page: CORS).', url };
    case 'aborted':
      return { source, reason: 'network', detail: 'The look-up was cancelled.', url };
  }
};

/** Failures that mean "we do not know", as opposed to "the source says there is no key". */
const UNKNOWN: SourceFailure['reason'][] = ['timeout', 'network', 'bad-data', 'too-large', 'rate-limited', 'http-error', 'insecure'];

/**
 * WKD (the domain vouches for the key), then a VKS key server. Returns data for every case
 * (`found`, `invalid`, `none`, `error`); throws only when the caller aborts.
 */
export function createKeyLookup(deps: KeyLookupDeps): KeyLookup {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? 5000;
  // The proxy may try the advanced and then the direct method, each with its own time limit.
  const proxyTimeoutMs = timeoutMs * 2 + 1000;
  const batcher = createProxyBatcher({ fetch: deps.fetch, timeoutMs: proxyTimeoutMs });

  async function judge(source: 'wkd' | 'vks', bytes: Uint8Array, address: string, url: string, vouchingKey?: string): Promise<SourceAnswer> {
    try {
      const { keys } = await deps.crypto.keysForAddress(bytes, address, vouchingKey);
      const found = keys.find((k) => k.usable) ?? null;
      const unusable = found ? null : (keys[0] ?? null);
      if (found) return { found, unusable: null, url, failure: null };
      if (unusable) return { found: null, unusable, url, failure: { source, reason: 'unusable', detail: unusable.problem ?? 'The key cannot be used.', url } };
      return { found: null, unusable: null, url, failure: { source, reason: 'no-matching-user-id', detail: `The key there has no valid user ID for ${address}.`, url } };
    } catch (e) {
      return { found: null, unusable: null, url, failure: { source, reason: 'bad-data', detail: `What the server sent is not a usable OpenPGP key (${toAppError(e).message}).`, url } };
    }
  }

  /** WKD from this page: advanced method, then direct only if the advanced host is unreachable. */
  async function wkdFromBrowser(address: string, signal?: AbortSignal, vouchingKey?: string): Promise<SourceAnswer> {
    const loc = await wkdLocation(address);
    const advanced = await fetchLimited(deps.fetch, loc.advanced, { timeoutMs, signal });
    if (advanced.kind === 'ok') return judge('wkd', advanced.bytes, address, advanced.url, vouchingKey);
    if (advanced.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
    // A page cannot tell "no such host" from other network failures: a network-level failure of the
    // advanced host moves on to the direct method; an HTTP answer (404, 5xx) does not (spec §3.1).
    if (advanced.kind !== 'network') return { found: null, unusable: null, url: loc.advanced, failure: failureOf('wkd', advanced, loc.advanced) };
    const direct = await fetchLimited(deps.fetch, loc.direct, { timeoutMs, signal });
    if (direct.kind === 'ok') return judge('wkd', direct.bytes, address, direct.url, vouchingKey);
    if (direct.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
    if (direct.kind === 'network') {
      // Neither WKD host is reachable from the page: treat the domain as having no WKD.
      return { found: null, unusable: null, url: null, failure: { source: 'wkd', reason: 'no-wkd', detail: `Neither openpgpkey.${loc.domain} nor ${loc.domain} answered this page; no WKD key is known.` } };
    }
    return { found: null, unusable: null, url: loc.direct, failure: failureOf('wkd', direct, loc.direct) };
  }

  /** A proxy answer that is not key bytes: its reason, as a source failure. */
  function proxyFailure(answer: ProxyAnswer): SourceAnswer {
    const keyUrl = answer.url;
    const at = keyUrl ? { url: keyUrl } : {};
    switch (answer.outcome) {
      case 'not-found':
        return { found: null, unusable: null, url: keyUrl ?? null, failure: { source: 'wkd', reason: 'not-found', detail: 'The domain publishes no key for this address.', ...at } };
      case 'no-wkd':
        return { found: null, unusable: null, url: null, failure: { source: 'wkd', reason: 'no-wkd', detail: answer.detail ?? 'The domain has no WKD.' } };
      case 'timeout':
        return { found: null, unusable: null, url: keyUrl ?? null, failure: { source: 'wkd', reason: 'timeout', detail: answer.detail ?? 'No answer in time.', ...at } };
      case 'too-large':
        return { found: null, unusable: null, url: keyUrl ?? null, failure: { source: 'wkd', reason: 'too-large', detail: answer.detail ?? 'The answer was too large.', ...at } };
      default:
        return { found: null, unusable: null, url: keyUrl ?? null, failure: { source: 'wkd', reason: answer.outcome === 'http-error' ? 'http-error' : 'network', detail: answer.detail ?? 'The WKD look-up failed.', ...at } };
    }
  }

  /** WKD through the companion server (no CORS limits; it applies the spec's DNS rule exactly). */
  async function wkdFromProxy(address: string, proxyBase: string, signal?: AbortSignal, vouchingKey?: string): Promise<SourceAnswer | null> {
    const batched = await batcher.lookUp(proxyBase, address, signal);
    if (batched.kind === 'line') {
      const { key, url } = batched.line;
      if (key !== undefined) {
        let bytes: Uint8Array;
        try {
          bytes = base64Bytes(key);
        } catch {
          return { found: null, unusable: null, url: url ?? null, failure: { source: 'wkd', reason: 'bad-data', detail: 'The proxy sent undecodable key data.', ...(url ? { url } : {}) } };
        }
        return judge('wkd', bytes, address, url ?? proxyBase, vouchingKey);
      }
      return proxyFailure(batched.line);
    }
    if (batched.kind === 'timeout') return { found: null, unusable: null, url: null, failure: { source: 'wkd', reason: 'timeout', detail: `The lookup proxy gave no answer within ${batched.ms / 1000} s.` } };
    if (batched.kind === 'network') return { found: null, unusable: null, url: null, failure: { source: 'wkd', reason: 'network', detail: `The lookup proxy could not be asked (${batched.message}).` } };
    return wkdFromProxySingly(address, proxyBase, signal, vouchingKey);
  }

  /**
   * One address per request: a companion without the batch endpoint. Null when what answers is
   * not the companion, or nothing does: then the page asks WKD itself.
   */
  async function wkdFromProxySingly(address: string, proxyBase: string, signal?: AbortSignal, vouchingKey?: string): Promise<SourceAnswer | null> {
    const url = new URL(`/api/wkd?address=${encodeURIComponent(address)}`, proxyBase).href;
    const outcome = await fetchLimited(deps.fetch, url, { timeoutMs: proxyTimeoutMs, signal, requireHttps: false });
    if (outcome.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
    if (outcome.kind === 'ok' && outcome.contentType.startsWith('application/octet-stream')) {
      return judge('wkd', outcome.bytes, address, outcome.headers.get('x-wkd-url') ?? url, vouchingKey);
    }
    const body = outcome.kind === 'http' ? outcome.body : outcome.kind === 'ok' ? new TextDecoder().decode(outcome.bytes) : '';
    let answer: ProxyAnswer | null;
    try {
      answer = JSON.parse(body) as ProxyAnswer;
    } catch {
      answer = null;
    }
    if (!answer?.outcome) return null; // not our companion (e.g. a static host's index.html): use the browser path
    return proxyFailure(answer);
  }

  async function vksByEmail(address: string, keyServer: string, signal?: AbortSignal, vouchingKey?: string): Promise<SourceAnswer> {
    const url = `${keyServer.replace(/\/+$/, '')}/vks/v1/by-email/${encodeURIComponent(address)}`;
    const outcome = await fetchLimited(deps.fetch, url, { timeoutMs, signal, requireHttps: false });
    if (outcome.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
    if (outcome.kind !== 'ok') return { found: null, unusable: null, url, failure: failureOf('vks', outcome, url) };
    return judge('vks', outcome.bytes, address, url, vouchingKey);
  }

  return async (address, settings, options = {}) => {
    const { signal, vouchingKey } = options;
    const failures: SourceFailure[] = [];
    let unusable: { key: AddressKey; source: 'wkd' | 'vks'; url: string | null } | null = null;
    const result = (source: 'wkd' | 'vks', answer: SourceAnswer): DiscoveryResult | null => {
      if (answer.failure) failures.push(answer.failure);
      if (answer.unusable && !unusable) unusable = { key: answer.unusable, source, url: answer.url };
      if (!answer.found) return null;
      const k = answer.found;
      return { status: 'found', source, fingerprint: k.summary.fingerprint, armoredPublic: k.armoredPublic, summary: k.summary, url: answer.url, vouched: k.vouched, checkedAt: now().toISOString(), failures };
    };
    if (settings.useWkd) {
      const viaProxy = settings.wkdMode === 'proxy' && settings.proxyBase ? await wkdFromProxy(address, settings.proxyBase, signal, vouchingKey) : null;
      const found = result('wkd', viaProxy ?? (await wkdFromBrowser(address, signal, vouchingKey)));
      if (found) return found;
    }
    if (settings.keyServer) {
      const found = result('vks', await vksByEmail(address, settings.keyServer, signal, vouchingKey));
      if (found) return found;
    }
    const checkedAt = now().toISOString();
    const bad = unusable as { key: AddressKey; source: 'wkd' | 'vks'; url: string | null } | null;
    if (bad) {
      return { status: 'invalid', source: bad.source, fingerprint: bad.key.summary.fingerprint, armoredPublic: bad.key.armoredPublic, summary: bad.key.summary, url: bad.url, problem: bad.key.problem ?? 'unusable', checkedAt, failures };
    }
    return { status: failures.some((f) => UNKNOWN.includes(f.reason)) ? 'error' : 'none', checkedAt, failures };
  };
}

/**
 * Find a recipient's key: the keystore first, then the network look-up. A usable stored key ends
 * the search; an unusable one (expired, revoked) is reported only when the network has nothing.
 */
export function createDiscovery(deps: DiscoveryDeps) {
  const now = deps.now ?? (() => new Date());

  type StoredResult = Extract<DiscoveryResult, { status: 'found' | 'invalid' }>;

  /** The keystore's key for the address: a usable one (found), else an unusable one (invalid: expired, revoked), else null. */
  async function fromKeystore(address: string): Promise<StoredResult | null> {
    const entries = await deps.keystore.entriesFor(address);
    const usable = entries.find((e) => currentStatus(e, now()) === 'valid');
    const entry = usable ?? entries[0];
    if (!entry) return null;
    const record = await deps.keystore.get(entry.fingerprint);
    const base = { source: 'keystore' as const, fingerprint: entry.fingerprint, armoredPublic: record.armoredPublic, summary: record.summary, url: null, checkedAt: now().toISOString(), failures: [] };
    if (usable) return { status: 'found', ...base };
    return { status: 'invalid', ...base, problem: record.summary.statusDetail ?? `The stored key is ${currentStatus(entry, now())}.` };
  }

  return {
    fromKeystore,

    /**
     * The full search. `vouchingKey`: a key pinned earlier, to learn whether it certifies what is
     * found; `local`: what the caller's own fromKeystore() answered (the keystore is not read again);
     * `remote`: the network look-up, if the caller started it already (with no vouching key).
     */
    async discoverKey(
      address: string,
      options: { signal?: AbortSignal; vouchingKey?: string; local?: StoredResult | null; remote?: Promise<DiscoveryResult> } = {},
    ): Promise<DiscoveryResult> {
      const { signal, vouchingKey } = options;
      const stored = 'local' in options ? (options.local ?? null) : await fromKeystore(address);
      if (stored?.status === 'found') return stored;
      const remote = await (options.remote ?? deps.lookUp(address, deps.settings(), { ...(signal ? { signal } : {}), ...(vouchingKey ? { vouchingKey } : {}) }));
      if (stored && (remote.status === 'none' || remote.status === 'error')) return { ...stored, checkedAt: remote.checkedAt, failures: remote.failures };
      return remote;
    },
  };
}

export type DiscoveryService = ReturnType<typeof createDiscovery>;

/** The network look-up of discoverKey(), started by the caller itself; `cancel()` aborts it. */
export type EarlyLookUp = { result: Promise<DiscoveryResult>; cancel(): void };
