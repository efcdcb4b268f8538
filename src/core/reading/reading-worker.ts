import type { CryptoApi, StreamingCryptoApi } from '../crypto/types';
import { AppError } from '../errors/app-error';
import { requestError } from '../jmap/client';
import { openMessage, rootKeyIds } from './open-message';
import type { MessageDownload, ReadingWorkerApi } from './reading-worker-api';

/** Messages read whole for their key IDs, kept for the opening that follows (small ones only). */
const KEPT_MESSAGES = 2;
const KEPT_BYTES = 16 * 1024 * 1024;

export function createReadingWorkerApi(
  crypto: CryptoApi & StreamingCryptoApi,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): ReadingWorkerApi {
  // Blobs never change (RFC 8620 §6), so a URL names the same bytes for ever.
  const kept = new Map<string, Uint8Array>();

  async function download({ url, authorization }: MessageDownload): Promise<ReadableStream<Uint8Array>> {
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
    return response.body ?? new Blob([]).stream();
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
    async openMessage(source, options) {
      const whole = kept.get(source.url);
      return openMessage(whole ?? (() => download(source)), crypto, options);
    },
  };
}
