import type { CryptoApi, StreamingCryptoApi } from '../crypto/types';
import { AppError } from '../errors/app-error';
import { requestError } from '../jmap/client';
import { wholePercent } from '../progress';
import { openMessage, rootKeyIds } from './open-message';
import { releaseProxy } from 'comlink';
import type { MessageDownload, ReadingWorkerApi, ReadProgress } from './reading-worker-api';

/** Messages read whole for their key IDs, kept for the opening that follows (small ones only). */
const KEPT_MESSAGES = 2;
const KEPT_BYTES = 16 * 1024 * 1024;

/** Passes the bytes on, telling `onProgress` each time another whole percent of `total` went by. */
function counted(total: number, onProgress: ReadProgress): TransformStream<Uint8Array, Uint8Array> {
  let received = 0;
  let told = -1;
  return new TransformStream({
    transform(chunk, controller) {
      received += chunk.byteLength;
      const percent = wholePercent(received, total);
      if (percent !== told) {
        told = percent;
        onProgress(received, total);
      }
      controller.enqueue(chunk);
    },
  });
}

export function createReadingWorkerApi(
  crypto: CryptoApi & StreamingCryptoApi,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): ReadingWorkerApi {
  // Blobs never change (RFC 8620 §6), so a URL names the same bytes for ever.
  const kept = new Map<string, Uint8Array>();

  async function download(
    { url, authorization, size }: MessageDownload,
    onProgress?: ReadProgress,
  ): Promise<ReadableStream<Uint8Array>> {
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { Authorization: authorization },
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (cause) {
      throw new AppError('jmap/unreachable', 'Download: network error', { cause });
    }
    if (!response.ok) throw await requestError(response, 'Download');
    const body = response.body ?? new Blob([]).stream();
    const total = Number(response.headers.get('Content-Length')) || size || 0;
    return onProgress && total > 0 ? body.pipeThrough(counted(total, onProgress)) : body;
  }

  function keep(url: string, raw: Uint8Array): void {
    if (raw.length > KEPT_BYTES) return;
    kept.delete(url);
    kept.set(url, raw);
    while (kept.size > KEPT_MESSAGES) kept.delete(kept.keys().next().value!);
  }

  return {
    async messageKeyIds(source) {
      const whole = kept.get(source.url);
      if (whole) return rootKeyIds(whole, crypto);
      // A PGP/MIME message is read only up to its session-key packets; another is read whole, and kept.
      return rootKeyIds(
        () => download(source),
        crypto,
        (raw) => keep(source.url, raw),
      );
    },
    async openMessage(source, options, onProgress) {
      const whole = kept.get(source.url);
      try {
        return await openMessage(whole ?? (() => download(source, onProgress)), crypto, options);
      } finally {
        // A callback from the page arrives as a Comlink proxy, which holds a port until released.
        (onProgress as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.();
      }
    },
  };
}
