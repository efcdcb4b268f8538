import type { CryptoApi } from '../crypto/types';
import { AppError } from '../errors/app-error';
import { requestError } from '../jmap/client';
import { openMessage, rootKeyIds } from './open-message';
import type { MessageDownload, ReadingWorkerApi } from './reading-worker-api';

/** Messages kept after download: the key-ID look-up and the opening that follows share one download. */
const KEPT_MESSAGES = 2;

export function createReadingWorkerApi(
  crypto: CryptoApi,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): ReadingWorkerApi {
  // Blobs never change (RFC 8620 §6), so a URL names the same bytes for ever.
  const kept = new Map<string, Promise<Uint8Array>>();

  async function download({ url, authorization }: MessageDownload): Promise<Uint8Array> {
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
    return new Uint8Array(await response.arrayBuffer());
  }

  function raw(source: MessageDownload): Promise<Uint8Array> {
    let bytes = kept.get(source.url);
    if (bytes)
      kept.delete(source.url); // moved to the newest place below
    else bytes = download(source);
    kept.set(source.url, bytes);
    bytes.catch(() => kept.delete(source.url));
    while (kept.size > KEPT_MESSAGES) kept.delete(kept.keys().next().value!);
    return bytes;
  }

  return {
    async messageKeyIds(source) {
      return rootKeyIds(await raw(source), crypto);
    },
    async openMessage(source, options) {
      const opened = await openMessage(await raw(source), crypto, options);
      return {
        ...opened,
        attachments: opened.attachments.map((a) => ({
          ...a,
          // Never rendered by the browser from the app's origin: a download, whatever the sender called it.
          content: new Blob([a.content as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
        })),
      };
    },
  };
}
