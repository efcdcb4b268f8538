import { describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import { createReadingWorkerApi } from './reading-worker';

const crypto = createCryptoApi();
const options = { verifyWith: [], pinned: null, maxDecompressedBytes: 1 << 20 };
const message = (n: number) => `From: a@example.org\r\nSubject: ${n}\r\nContent-Type: text/plain\r\n\r\nbody ${n}\r\n`;

function serving(status = 200) {
  const calls: { url: string; authorization: string | null }[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), authorization: new Headers(init.headers).get('Authorization') });
    const n = Number(new URL(String(input)).searchParams.get('n'));
    return status === 200 ? new Response(message(n)) : new Response('{}', { status });
  }) as typeof fetch;
  return { api: createReadingWorkerApi(crypto, fetchFn), calls };
}
const source = (n: number) => ({ url: `https://jmap.example/d?n=${n}`, authorization: 'Basic YTpi' });

describe('reading in the worker', () => {
  it('downloads the raw message itself, with the session’s credentials, once for the key look-up and the opening', async () => {
    const { api, calls } = serving();
    expect(await api.messageKeyIds(source(1))).toEqual([]);
    expect((await api.openMessage(source(1), options)).headers.subject).toBe('1');
    expect(calls).toEqual([{ url: source(1).url, authorization: 'Basic YTpi' }]);
    // Only the latest messages are kept.
    await api.messageKeyIds(source(2));
    await api.messageKeyIds(source(3));
    await api.openMessage(source(1), options);
    expect(calls.map((c) => c.url)).toEqual([1, 2, 3, 1].map((n) => source(n).url));
  });

  it('a refused download is the JMAP error it is, and is not kept', async () => {
    const { api, calls } = serving(401);
    await expect(api.openMessage(source(1), options)).rejects.toMatchObject({ code: 'jmap/unauthorized' });
    await expect(api.openMessage(source(1), options)).rejects.toMatchObject({ code: 'jmap/unauthorized' });
    expect(calls).toHaveLength(2);
  });

  it('tells how far a download got, each whole percent, by its Content-Length or else by the size the page knows', async () => {
    const body = `From: a@example.org\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(10_000)}\r\n`;
    const pieces = (bytes: Uint8Array) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 1000) controller.enqueue(bytes.slice(at, at + 1000));
          controller.close();
        },
      });
    const bytes = new TextEncoder().encode(body);
    for (const [headers, download] of [
      [{ 'Content-Length': String(bytes.length) }, source(9)],
      [{}, { ...source(9), size: bytes.length }],
    ] as const) {
      const fetchFn = (async () => new Response(pieces(bytes), { headers })) as typeof fetch;
      const seen: [number, number][] = [];
      const opened = await createReadingWorkerApi(crypto, fetchFn).openMessage(download, options, (received, total) =>
        seen.push([received, total]),
      );
      expect(opened.headers.subject).toBe('big');
      expect(seen.length).toBe(Math.ceil(bytes.length / 1000));
      expect(seen.every(([, total]) => total === bytes.length)).toBe(true);
      expect(seen.at(-1)![0]).toBe(bytes.length);
      expect(seen.map(([received]) => received)).toEqual([...seen.map(([received]) => received)].sort((a, b) => a - b));
    }
    // Without either, nothing is told (there is nothing to measure against).
    const seen: number[] = [];
    const fetchFn = (async () => new Response(pieces(bytes))) as typeof fetch;
    await createReadingWorkerApi(crypto, fetchFn).openMessage(source(9), options, (received) => seen.push(received));
    expect(seen).toEqual([]);
  });
});
