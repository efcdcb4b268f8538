import { LOOKUP_TIMEOUT_MS, MAX_KEY_BYTES } from '../limits';

/** What one key-directory request came to: data, not exceptions, so every failure has a reason. */
export type FetchOutcome =
  | { kind: 'ok'; bytes: Uint8Array; url: string; contentType: string; headers: Headers }
  | { kind: 'http'; status: number; url: string; contentType: string; body: string }
  | { kind: 'network'; message: string }
  | { kind: 'timeout'; ms: number }
  | { kind: 'too-large'; limit: number }
  | { kind: 'insecure'; url: string }
  | { kind: 'aborted' };

export type FetchLimits = { timeoutMs: number; maxBytes: number; requireHttps: boolean };

export const DEFAULT_LIMITS: FetchLimits = {
  timeoutMs: LOOKUP_TIMEOUT_MS,
  maxBytes: MAX_KEY_BYTES,
  requireHttps: true,
};

/**
 * GET with a time limit joined to the caller's signal, a body size cap (as Mailvelope and
 * dirmngr cap WKD at 256 KiB), no credentials, and a final URL that must still be https.
 * Security: `credentials: 'omit'` also means a 401 can never prompt for a password.
 */
export async function fetchLimited(
  fetchFn: typeof fetch,
  url: string,
  options: Partial<FetchLimits> & { signal?: AbortSignal; accept?: string } = {},
): Promise<FetchOutcome> {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal;
  const ended = (): FetchOutcome =>
    options.signal?.aborted ? { kind: 'aborted' } : { kind: 'timeout', ms: limits.timeoutMs };
  try {
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'GET',
        credentials: 'omit',
        redirect: 'follow',
        cache: 'no-store',
        signal,
        ...(options.accept ? { headers: { Accept: options.accept } } : {}),
      });
    } catch (e) {
      if (signal.aborted) return ended();
      return { kind: 'network', message: e instanceof Error ? e.message : String(e) };
    }
    const finalUrl = response.url || url;
    if (limits.requireHttps && !finalUrl.startsWith('https:')) return { kind: 'insecure', url: finalUrl };
    const contentType = response.headers.get('content-type') ?? '';
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'too-large', limit: limits.maxBytes };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const reader = response.body?.getReader();
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxBytes) {
          await reader.cancel().catch(() => undefined);
          return { kind: 'too-large', limit: limits.maxBytes };
        }
        chunks.push(value);
      }
    } catch (e) {
      if (signal.aborted) return ended();
      return { kind: 'network', message: e instanceof Error ? e.message : String(e) };
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.byteLength;
    }
    if (!response.ok)
      return {
        kind: 'http',
        status: response.status,
        url: finalUrl,
        contentType,
        body: new TextDecoder().decode(bytes.subarray(0, 2048)),
      };
    return { kind: 'ok', bytes, url: finalUrl, contentType, headers: response.headers };
  } finally {
    clearTimeout(timeout);
  }
}
