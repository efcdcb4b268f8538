import type { TransportView } from './transport-status';

/** The companion answers at most this many domains per request. */
const MAX_BATCH = 50;

const KNOWN = new Set(['dane', 'mta-sts', 'mta-sts-testing', 'dnssec-bogus', 'opportunistic', 'local', 'unknown']);

function viewOf(line: unknown, asked: string): TransportView {
  const r = line as { status?: unknown; detail?: unknown; domain?: unknown };
  return typeof r?.status === 'string' && KNOWN.has(r.status)
    ? {
        domain: asked,
        status: r.status as TransportView['status'],
        detail: typeof r.detail === 'string' ? r.detail : '',
      }
    : { domain: asked, status: 'unknown', detail: 'The companion gave no usable answer.' };
}

/**
 * Asks the companion's /api/transport for domains, several at once: domains asked for in the same
 * turn share one request, answered as NDJSON line by line, so a slow domain holds up no other.
 */
export function createTransportClient(options: { fetch: typeof fetch; url: string | null; timeoutMs?: number }) {
  const timeoutMs = options.timeoutMs ?? 20_000;
  let waiting: Map<string, { resolve: (v: TransportView) => void }[]> | null = null;

  async function flush(batch: Map<string, { resolve: (v: TransportView) => void }[]>) {
    const domains = [...batch.keys()];
    const answer = (domain: string, view: TransportView) => {
      batch.get(domain)?.forEach((w) => w.resolve(view));
      batch.delete(domain);
    };
    try {
      const url = new URL(options.url!);
      domains.forEach((d) => url.searchParams.append('domain', d));
      // Named twice, one domain is answered in the batch form (NDJSON) too.
      if (domains.length === 1) url.searchParams.append('domain', domains[0]!);
      const res = await options.fetch(url, {
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body
        .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
        .getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (value) buffer += value;
        if (done) buffer += '\n'; // a last line without its newline counts too
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          try {
            const parsed = JSON.parse(line) as { asked?: string };
            if (typeof parsed.asked === 'string') answer(parsed.asked, viewOf(parsed, parsed.asked));
          } catch {
            // a broken line answers nothing; its domain ends as unknown below
          }
        }
        if (done) break;
      }
    } catch (e) {
      for (const d of [...batch.keys()])
        answer(d, {
          domain: d,
          status: 'unknown',
          detail: `The companion could not be asked (${(e as Error).message}).`,
        });
    }
    for (const d of [...batch.keys()])
      answer(d, { domain: d, status: 'unknown', detail: 'The companion did not answer for this domain.' });
  }

  return {
    available: !!options.url,
    statusOf(domain: string): Promise<TransportView> {
      const d = domain.toLowerCase();
      if (!options.url)
        return Promise.resolve({
          domain: d,
          status: 'unknown',
          detail:
            'No companion server: a page served on its own cannot look up DNS, so the transport security of recipient domains is not known.',
        });
      return new Promise((resolve) => {
        // A full batch is closed; its request starts with the others below.
        if (waiting && waiting.size >= MAX_BATCH && !waiting.has(d)) waiting = null;
        if (!waiting) {
          const batch = (waiting = new Map());
          // Domains asked for in the same task (a paste of many recipients) share the request,
          // which starts before the page renders their chips.
          queueMicrotask(() => {
            if (waiting === batch) waiting = null;
            void flush(batch);
          });
        }
        const list = waiting.get(d) ?? [];
        list.push({ resolve });
        waiting.set(d, list);
      });
    },
  };
}

export type TransportClient = ReturnType<typeof createTransportClient>;
