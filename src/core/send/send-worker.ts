import type { CryptoApi } from '../crypto/types';
import { buildDraft, draftKeyIds, readDraft } from '../drafts/drafts';
import type { OutgoingAttachment } from '../mime/build-message';
import { randomBoundarySeed } from '../mime/message-id';
import { prepareMessage } from './send-message';
import type { AttachmentSource, SendWorkerApi } from './send-worker-api';

const read = (attachments: AttachmentSource[]): Promise<OutgoingAttachment[]> =>
  Promise.all(
    attachments.map(async (a) => ({
      ...a,
      content: a.content instanceof Uint8Array ? a.content : new Uint8Array(await a.content.arrayBuffer()),
    })),
  );

export function createSendWorkerApi(crypto: CryptoApi): SendWorkerApi {
  return {
    async prepareMessage(draft, { now }) {
      const prepared = await prepareMessage(
        { ...draft, attachments: await read(draft.attachments) },
        { crypto, now: () => new Date(now), boundarySeed: randomBoundarySeed },
      );
      return {
        ...prepared,
        copies: prepared.copies.map((c) => ({
          ...c,
          bytes: new Blob([c.bytes as Uint8Array<ArrayBuffer>], { type: 'message/rfc822' }),
        })),
      };
    },
    async buildDraft(content, { now, encryptTo, signWith }) {
      const built = await buildDraft(
        { ...content, attachments: await read(content.attachments) },
        { date: new Date(now), baseBoundary: randomBoundarySeed(), encryptTo, signWith: signWith ?? null, crypto },
      );
      return {
        blob: new Blob([built.bytes as Uint8Array<ArrayBuffer>], { type: 'message/rfc822' }),
        encrypted: built.encrypted,
      };
    },
    async draftKeyIds(raw) {
      return draftKeyIds(new Uint8Array(await raw.arrayBuffer()), crypto);
    },
    async readDraft(raw, ownKeys = []) {
      const draft = await readDraft(new Uint8Array(await raw.arrayBuffer()), crypto, { ownKeys });
      return {
        ...draft,
        attachments: draft.attachments.map((a) => ({
          ...a,
          content: new Blob([a.content as Uint8Array<ArrayBuffer>], { type: a.type }),
        })),
      };
    },
  };
}
