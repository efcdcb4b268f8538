import { describe, expect, it } from 'vitest';
import { createJmapClient } from './client';
import type { JmapSession } from './session';
import { watchPush } from './push';

const session = (eventSourceUrl: string | null): JmapSession => ({
  sessionUrl: 'https://x.org/jmap',
  accountId: 'A1',
  accountName: 'a',
  username: 'a',
  apiUrl: 'https://x.org/jmap/api',
  uploadUrl: '/up/{accountId}/',
  downloadUrl: '/d/{blobId}',
  eventSourceUrl,
  state: '0',
  core: {} as never,
  mail: {},
  submission: {},
});
const auth = { kind: 'basic' as const, username: 'a', password: 'b' };
const TEMPLATE = 'https://x.org/es?types={types}&closeafter={closeafter}&ping={ping}';

/** An event stream that sends `chunks` (split anywhere, as the network does), then ends. */
const stream = (...chunks: string[]) =>
  new Response(
    new ReadableStream({
      start(c) {
        chunks.forEach((chunk) => c.enqueue(new TextEncoder().encode(chunk)));
        c.close();
      },
    }),
    { headers: { 'Content-Type': 'text/event-stream' } },
  );

function watch(eventSourceUrl: string | null, answers: (() => Response)[]) {
  const urls: string[] = [];
  const headers: Headers[] = [];
  const client = createJmapClient({
    session: session(eventSourceUrl),
    auth,
    fetch: (async (input: RequestInfo | URL, init: RequestInit = {}) => {
      urls.push(String(input));
      headers.push(new Headers(init.headers));
      const next = answers.shift();
      if (!next)
        // Nothing more to say: the request hangs until it is aborted.
        return new Promise((_, fail) =>
          init.signal?.addEventListener('abort', () => fail(new DOMException('aborted', 'AbortError'))),
        );
      return next();
    }) as typeof fetch,
  });
  const controller = new AbortController();
  const changes: Record<string, string>[] = [];
  const connected: boolean[] = [];
  const pauses: number[] = [];
  const done = watchPush(client, {
    types: ['Email', 'Mailbox'],
    signal: controller.signal,
    onChange: (c) => changes.push(c),
    onConnected: (c) => connected.push(c),
    sleep: async (ms) => void pauses.push(ms),
  });
  return { urls, headers, changes, connected, pauses, done, stop: () => controller.abort() };
}

describe('watchPush', () => {
  it('reads state events with Authorization, for this account only, and reconnects with growing pauses', async () => {
    const state = (account: string, changed: object) =>
      `event: state\ndata: ${JSON.stringify({ '@type': 'StateChange', changed: { [account]: changed } })}\n\n`;
    const w = watch(TEMPLATE, [
      () => {
        const event = state('A1', { Email: 's2' });
        return stream(
          ': hi\n\n',
          event.slice(0, 20),
          event.slice(20),
          state('B9', { Email: 'x' }),
          'event: ping\ndata: {}\n\n',
        );
      },
      () => new Response('busy', { status: 503 }),
      () => stream(state('A1', { Mailbox: 'm5', Email: 's3' })),
    ]);
    await expect.poll(() => w.changes.length).toBe(2);
    expect(w.changes).toEqual([{ Email: 's2' }, { Mailbox: 'm5', Email: 's3' }]);
    expect(w.urls[0]).toBe('https://x.org/es?types=Email%2CMailbox&closeafter=no&ping=30');
    expect(w.headers[0]!.get('Authorization')).toMatch(/^Basic /);
    expect(w.headers[0]!.get('Accept')).toBe('text/event-stream');
    // Dropped, failed (503: tried again later), back: the pause grew, then started over.
    expect(w.pauses).toEqual([1000, 2000, 1000]);
    expect(w.connected.slice(0, 4)).toEqual([true, false, false, true]);
    w.stop();
    expect(await w.done).toBe('stopped');
  });

  it('gives up when the server offers no push: no URL, 4xx, or not an event stream', async () => {
    expect(await watch(null, []).done).toBe('unsupported');
    expect(await watch(TEMPLATE, [() => new Response('no', { status: 501 })]).done).toBe('unsupported');
    expect(await watch(TEMPLATE, [() => new Response('no', { status: 404 })]).done).toBe('unsupported');
    expect(
      await watch(TEMPLATE, [() => new Response('<html>', { headers: { 'Content-Type': 'text/html' } })]).done,
    ).toBe('unsupported');
    // 429 and 5xx are passing troubles: tried again.
    const busy = watch(TEMPLATE, [() => new Response('', { status: 429 }), () => new Response('', { status: 500 })]);
    await expect.poll(() => busy.pauses.length).toBe(2);
    busy.stop();
    expect(await busy.done).toBe('stopped');
  });
});
