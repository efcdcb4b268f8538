import { fetchLimited } from './fetch-limited';
import type { ProxyBatcher } from './proxy-batch';
import { failureOf, type Judge, noKey, type SourceAnswer } from './source-answer';
import { wkdLocation } from './wkd-url';

type WkdDeps = { fetch: typeof fetch; judge: Judge; timeoutMs: number };

const abortError = () => new DOMException('Aborted', 'AbortError');
const base64Bytes = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * WKD from this page: the advanced method, then the direct method only if the advanced host is
 * unreachable. A page cannot tell "no such host" from other network failures, so a network-level
 * failure of the advanced host moves on; an HTTP answer (404, 5xx) does not
 * (draft-koch-openpgp-webkey-service §3.1).
 */
export async function wkdFromBrowser(
  deps: WkdDeps,
  address: string,
  signal?: AbortSignal,
  vouchingKey?: string,
): Promise<SourceAnswer> {
  const { timeoutMs } = deps;
  const loc = await wkdLocation(address);
  const advanced = await fetchLimited(deps.fetch, loc.advanced, { timeoutMs, signal });
  if (advanced.kind === 'ok') return deps.judge('wkd', advanced.bytes, address, advanced.url, vouchingKey);
  if (advanced.kind === 'aborted') throw abortError();
  if (advanced.kind !== 'network') return noKey(loc.advanced, failureOf('wkd', advanced, loc.advanced));
  const direct = await fetchLimited(deps.fetch, loc.direct, { timeoutMs, signal });
  if (direct.kind === 'ok') return deps.judge('wkd', direct.bytes, address, direct.url, vouchingKey);
  if (direct.kind === 'aborted') throw abortError();
  if (direct.kind === 'network') {
    // Neither WKD host is reachable from the page: treat the domain as having no WKD.
    return noKey(null, {
      source: 'wkd',
      reason: 'no-wkd',
      detail: `Neither openpgpkey.${loc.domain} nor ${loc.domain} answered this page; no WKD key is known.`,
    });
  }
  return noKey(loc.direct, failureOf('wkd', direct, loc.direct));
}

/** The companion's JSON when it has no key bytes to return (server/lookup/wkd-proxy.ts). */
type ProxyAnswer = { outcome?: string; url?: string; detail?: string };

/** A proxy answer that is not key bytes: its reason, as a source failure. */
function proxyFailure(answer: ProxyAnswer): SourceAnswer {
  const url = answer.url ?? null;
  const at = answer.url ? { url: answer.url } : {};
  switch (answer.outcome) {
    case 'not-found':
      return noKey(url, {
        source: 'wkd',
        reason: 'not-found',
        detail: 'The domain publishes no key for this address.',
        ...at,
      });
    case 'no-wkd':
      return noKey(null, { source: 'wkd', reason: 'no-wkd', detail: answer.detail ?? 'The domain has no WKD.' });
    case 'timeout':
      return noKey(url, { source: 'wkd', reason: 'timeout', detail: answer.detail ?? 'No answer in time.', ...at });
    case 'too-large':
      return noKey(url, {
        source: 'wkd',
        reason: 'too-large',
        detail: answer.detail ?? 'The answer was too large.',
        ...at,
      });
    default:
      return noKey(url, {
        source: 'wkd',
        reason: answer.outcome === 'http-error' ? 'http-error' : 'network',
        detail: answer.detail ?? 'The WKD look-up failed.',
        ...at,
      });
  }
}

type ProxyDeps = WkdDeps & { batcher: ProxyBatcher };

/**
 * WKD through the companion server (no CORS limits; it applies the DNS rule exactly). Null when
 * what answers is not the companion, or nothing does: then the page asks WKD itself.
 */
export async function wkdFromProxy(
  deps: ProxyDeps,
  address: string,
  proxyBase: string,
  signal?: AbortSignal,
  vouchingKey?: string,
): Promise<SourceAnswer | null> {
  const batched = await deps.batcher.lookUp(proxyBase, address, signal);
  if (batched.kind === 'line') {
    const { key, url } = batched.line;
    if (key === undefined) return proxyFailure(batched.line);
    let bytes: Uint8Array;
    try {
      bytes = base64Bytes(key);
    } catch {
      return noKey(url ?? null, {
        source: 'wkd',
        reason: 'bad-data',
        detail: 'The proxy sent undecodable key data.',
        ...(url ? { url } : {}),
      });
    }
    return deps.judge('wkd', bytes, address, url ?? proxyBase, vouchingKey);
  }
  if (batched.kind === 'timeout')
    return noKey(null, {
      source: 'wkd',
      reason: 'timeout',
      detail: `The lookup proxy gave no answer within ${batched.ms / 1000} s.`,
    });
  if (batched.kind === 'network')
    return noKey(null, {
      source: 'wkd',
      reason: 'network',
      detail: `The lookup proxy could not be asked (${batched.message}).`,
    });
  return wkdFromProxySingly(deps, address, proxyBase, signal, vouchingKey);
}

/** One address per request: a companion without the batch endpoint. */
async function wkdFromProxySingly(
  deps: WkdDeps,
  address: string,
  proxyBase: string,
  signal?: AbortSignal,
  vouchingKey?: string,
): Promise<SourceAnswer | null> {
  const url = new URL(`/api/wkd?address=${encodeURIComponent(address)}`, proxyBase).href;
  const outcome = await fetchLimited(deps.fetch, url, { timeoutMs: deps.timeoutMs, signal, requireHttps: false });
  if (outcome.kind === 'aborted') throw abortError();
  if (outcome.kind === 'ok' && outcome.contentType.startsWith('application/octet-stream')) {
    return deps.judge('wkd', outcome.bytes, address, outcome.headers.get('x-wkd-url') ?? url, vouchingKey);
  }
  const body =
    outcome.kind === 'http' ? outcome.body : outcome.kind === 'ok' ? new TextDecoder().decode(outcome.bytes) : '';
  let answer: ProxyAnswer | null;
  try {
    answer = JSON.parse(body) as ProxyAnswer;
  } catch {
    answer = null;
  }
  if (!answer?.outcome) return null; // not our companion (e.g. a static host's index.html): use the browser path
  return proxyFailure(answer);
}
