import type { CryptoApi, StreamingCryptoApi } from '../crypto/types';
import { buildDraft, draftKeyIds, readDraft } from '../drafts/drafts';
import { randomBoundarySeed } from '../mime/message-id';
import { prepareMessage } from './send-message';
import type { SendWorkerApi } from './send-worker-api';

export function createSendWorkerApi(crypto: CryptoApi & StreamingCryptoApi): SendWorkerApi {
  return {
    async prepareMessage(draft, { now }) {
      return prepareMessage(draft, { crypto, now: () => new Date(now), boundarySeed: randomBoundarySeed });
    },
    async buildDraft(content, { now, encryptTo, signWith }) {
      const built = await buildDraft(content, {
        date: new Date(now),
        baseBoundary: randomBoundarySeed(),
        encryptTo,
        signWith: signWith ?? null,
        crypto,
      });
      return { blob: built.bytes, encrypted: built.encrypted, spools: built.spools };
    },
    async draftKeyIds(raw) {
      return draftKeyIds(raw, crypto);
    },
    async readDraft(raw, ownKeys = []) {
      const draft = await readDraft(raw, crypto, { ownKeys });
      return {
        ...draft,
        attachments: draft.attachments.map((a) => ({
          ...a,
          content: new Blob([a.content as Uint8Array<ArrayBuffer> | Blob], { type: a.type }),
        })),
      };
    },
  };
}
