import { EventSourceParserStream } from 'eventsource-parser/stream';
import { isAppError } from '../errors/app-error';
import type { JmapClient } from './client';

/** The ping interval asked of the server; a stream silent for three of them is taken as dead. */
const PING_SECONDS = 30;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;

export type PushWatch = {
  types: string[];
  signal: AbortSignal;
  /** The account's states of some of `types` changed (RFC 8620 §7.1 StateChange). */
  onChange: (changed: Record<string, string>) => void;
  /**
   * True once a stream delivers (changes made before it may have been missed), false when it
   * drops or fails to open.
   */
  onConnected: (connected: boolean) => void;
  /** For tests: waiting before a reconnect. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
};

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((ok) => {
    const timer = setTimeout(ok, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), ok()), { once: true });
  });

/** Whether a failure to open the stream means this server will never offer push (not worth retrying). */
function pushUnsupported(e: unknown): boolean {
  if (isAppError(e, 'jmap/no-push')) return true;
  const status = (e as { httpStatus?: number } | null)?.httpStatus;
  if (status === 501) return true; // Not Implemented
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Follow the account's changes through JMAP push, reconnecting after a drop with a growing pause.
 * Resolves `unsupported` when the server offers no push (the caller polls instead), or `stopped`
 * when `signal` aborts. Never rejects.
 */
export async function watchPush(client: JmapClient, watch: PushWatch): Promise<'unsupported' | 'stopped'> {
  const { signal } = watch;
  const sleep = watch.sleep ?? defaultSleep;
  let retryMs = RETRY_MIN_MS;
  while (!signal.aborted) {
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener('abort', stop, { once: true });
    let silence: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(stop, PING_SECONDS * 3 * 1000);
    };
    try {
      const stream = await client.eventStream(
        { types: watch.types, closeAfter: 'no', pingSeconds: PING_SECONDS },
        attempt.signal,
      );
      heard();
      // Connected once bytes arrive: a proxy that buffers the stream delivers nothing, and then
      // the caller keeps polling.
      let live = false;
      const tap = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          if (!live) {
            live = true;
            watch.onConnected(true);
            retryMs = RETRY_MIN_MS;
          }
          out.enqueue(chunk);
        },
      });
      const events = stream
        .pipeThrough(tap)
        .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
        .pipeThrough(new EventSourceParserStream());
      for await (const event of iterate(events)) {
        heard();
        if (event.event !== 'state') continue;
        const change = parseStateChange(event.data, client.session.accountId);
        if (change) watch.onChange(change);
      }
    } catch (e) {
      if (!signal.aborted && pushUnsupported(e)) {
        signal.removeEventListener('abort', stop);
        return 'unsupported';
      }
    } finally {
      clearTimeout(silence);
      signal.removeEventListener('abort', stop);
      attempt.abort();
    }
    if (signal.aborted) break;
    watch.onConnected(false);
    await sleep(retryMs, signal);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }
  return 'stopped';
}

/** The changed states of this account in a StateChange, or null for anything else. */
function parseStateChange(data: string, accountId: string): Record<string, string> | null {
  try {
    const body = JSON.parse(data) as { '@type'?: string; changed?: Record<string, Record<string, unknown>> };
    if (body['@type'] !== 'StateChange') return null;
    const mine = body.changed?.[accountId];
    if (!mine || typeof mine !== 'object') return null;
    const changed: Record<string, string> = {};
    for (const [type, state] of Object.entries(mine)) if (typeof state === 'string') changed[type] = state;
    return Object.keys(changed).length ? changed : null;
  } catch {
    return null;
  }
}

async function* iterate<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
