import type { CryptoApi } from '../crypto/types';
import { openMessage, rootKeyIds } from './open-message';
import type { ReadingWorkerApi } from './reading-worker-api';

export function createReadingWorkerApi(crypto: CryptoApi): ReadingWorkerApi {
  return {
    async messageKeyIds(raw) {
      return rootKeyIds(new Uint8Array(await raw.arrayBuffer()), crypto);
    },
    async openMessage(raw, options) {
      const opened = await openMessage(new Uint8Array(await raw.arrayBuffer()), crypto, options);
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
