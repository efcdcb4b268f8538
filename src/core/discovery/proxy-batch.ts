import { MAX_KEY_BYTES, MAX_LOOKUP_BATCH } from '../limits';
/** One line of the companion's batch answer (server/lookup/wkd-proxy.ts): a reason, or the key. */
export type ProxyLine = {
  address: string;
  status: number;
  outcome?: string;
  url?: string;
  detail?: string;
  method?: string;
  key?: string;
};

/**
 * How one address fared in a batch. `unsupported`: no batch endpoint answered (an older companion,
 * or none reachable): ask the way a single address is asked.
 */
export type BatchOutcome =
  | { kind: 'line'; line: ProxyLine }
  | { kind: 'unsupported' }
  | { kind: 'timeout'; ms: number }
  | { kind: 'network'; message: string };

export type ProxyBatcher = { lookUp(proxyBase: string, address: string, signal?: AbortSignal): Promise<BatchOutcome> };

type Waiter = {
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  done: boolean;
};
type Batch = { base: string; waiters: Map<string, Waiter[]>; controller: AbortController };

const aborted = () => new DOMException('The look-up was cancelled.', 'AbortError');

/** A key is at most MAX_KEY_BYTES (the proxy's cap): its base64 line, with the JSON around it, stays under this. */
const MAX_LINE_CHARS = Math.ceil(MAX_KEY_BYTES / 3) * 4 + 64 * 1024;

/**
 * Look-ups through the companion proxy, asked together: addresses asked for within `windowMs` of
 * each other (a paste of twenty recipients) go in one request, whose answer streams back one line
 * per address as each look-up ends. A caller's abort drops only its own address; the request is
 * cancelled when nobody waits for it any more.
 */
export function createProxyBatcher(deps: {
  fetch: typeof fetch;
  timeoutMs: number;
  windowMs?: number;
  maxBatch?: number;
}): ProxyBatcher {
  const windowMs = deps.windowMs ?? 8;
  const maxBatch = deps.maxBatch ?? MAX_LOOKUP_BATCH;
  const open = new Map<string, Batch>();

  const settle = (waiter: Waiter, outcome: BatchOutcome) => {
    if (waiter.done) return;
    waiter.done = true;
    waiter.resolve(outcome);
  };
  const settleAll = (batch: Batch, outcome: BatchOutcome) =>
    batch.waiters.forEach((list) => list.forEach((w) => settle(w, outcome)));
  const nobodyWaits = (batch: Batch) => [...batch.waiters.values()].every((list) => list.every((w) => w.done));

  async function send(batch: Batch): Promise<void> {
    const query = [...batch.waiters.keys()].map((a) => `address=${encodeURIComponent(a)}`).join('&');
    const timer = setTimeout(() => batch.controller.abort(), deps.timeoutMs);
    try {
      let response: Response;
      try {
        response = await deps.fetch(new URL(`/api/wkd/batch?${query}`, batch.base).href, {
          credentials: 'omit',
          cache: 'no-store',
          signal: batch.controller.signal,
        });
      } catch (e) {
        if (batch.controller.signal.aborted) throw e;
        return settleAll(batch, { kind: 'unsupported' });
      }
      if (
        !response.ok ||
        !(response.headers.get('content-type') ?? '').startsWith('application/x-ndjson') ||
        !response.body
      ) {
        await response.body?.cancel().catch(() => undefined);
        return settleAll(batch, { kind: 'unsupported' });
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf('\n')) >= 0) {
          const text = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          let line: ProxyLine | null = null;
          try {
            line = JSON.parse(text) as ProxyLine;
          } catch {
            line = null;
          }
          if (line && typeof line.address === 'string')
            for (const w of batch.waiters.get(line.address) ?? []) settle(w, { kind: 'line', line });
        }
        if (buffered.length > MAX_LINE_CHARS) {
          await reader.cancel().catch(() => undefined);
          return settleAll(batch, {
            kind: 'network',
            message: 'The proxy sent a line larger than any key it may return.',
          });
        }
      }
      settleAll(batch, { kind: 'network', message: 'The proxy ended its answer without this address.' });
    } catch (e) {
      if (nobodyWaits(batch)) return;
      settleAll(
        batch,
        batch.controller.signal.aborted
          ? { kind: 'timeout', ms: deps.timeoutMs }
          : { kind: 'network', message: e instanceof Error ? e.message : String(e) },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    lookUp(proxyBase, address, signal) {
      if (signal?.aborted) return Promise.reject(aborted());
      let batch = open.get(proxyBase);
      if (!batch || batch.waiters.size >= maxBatch) {
        const fresh: Batch = { base: proxyBase, waiters: new Map(), controller: new AbortController() };
        open.set(proxyBase, fresh);
        setTimeout(() => {
          if (open.get(proxyBase) === fresh) open.delete(proxyBase);
          if (!nobodyWaits(fresh)) void send(fresh);
        }, windowMs);
        batch = fresh;
      }
      const current = batch;
      return new Promise<BatchOutcome>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, done: false, ...(signal ? { signal } : {}) };
        current.waiters.set(address, [...(current.waiters.get(address) ?? []), waiter]);
        signal?.addEventListener(
          'abort',
          () => {
            if (waiter.done) return;
            waiter.done = true;
            reject(aborted());
            if (nobodyWaits(current)) current.controller.abort();
          },
          { once: true },
        );
      });
    },
  };
}
