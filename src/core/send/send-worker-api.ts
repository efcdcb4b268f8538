import type { CryptoApi } from '../crypto/types';
import { distinctBuffers, type ArgTransfers } from '../crypto/rpc';
import { buildDraft, type DraftContent, type DraftKey } from '../drafts/drafts';
import type { OutgoingAttachment } from '../mime/build-message';
import type { PreparedMessage } from './deliver';
import { type OutgoingDraft, prepareMessage } from './send-message';

/** An attachment as the page has it: a File (read in the worker) or bytes. */
export type AttachmentSource = Omit<OutgoingAttachment, 'content'> & { content: Blob | Uint8Array };

/**
 * Message building that runs in the crypto worker: MIME building, encryption, signing and armor
 * for a large message would otherwise block the page. Files go in as Blobs (passed by reference,
 * read here); messages come out as Blobs, which the page uploads without touching their bytes.
 */
export type SendWorkerApi = {
  prepareMessage(draft: Omit<OutgoingDraft, 'attachments'> & { attachments: AttachmentSource[] }, options: { now: number; boundarySeed: string }): Promise<PreparedMessage>;
  buildDraft(
    content: Omit<DraftContent, 'attachments'> & { attachments: AttachmentSource[] },
    options: { now: number; boundarySeed: string; encryptTo: DraftKey | null },
  ): Promise<{ blob: Blob; encrypted: boolean }>;
};

export const SEND_WORKER_METHODS: (keyof SendWorkerApi)[] = ['prepareMessage', 'buildDraft'];

const read = (attachments: AttachmentSource[]): Promise<OutgoingAttachment[]> =>
  Promise.all(attachments.map(async (a) => ({ ...a, content: a.content instanceof Uint8Array ? a.content : new Uint8Array(await a.content.arrayBuffer()) })));

export function createSendWorkerApi(crypto: CryptoApi): SendWorkerApi {
  return {
    async prepareMessage(draft, { now, boundarySeed }) {
      const prepared = await prepareMessage({ ...draft, attachments: await read(draft.attachments) }, { crypto, now: () => new Date(now), boundarySeed: () => boundarySeed });
      return { ...prepared, copies: prepared.copies.map((c) => ({ ...c, bytes: new Blob([c.bytes as Uint8Array<ArrayBuffer>], { type: 'message/rfc822' }) })) };
    },
    async buildDraft(content, { now, boundarySeed, encryptTo }) {
      const built = await buildDraft({ ...content, attachments: await read(content.attachments) }, { date: new Date(now), baseBoundary: boundarySeed, encryptTo, crypto });
      return { blob: new Blob([built.bytes as Uint8Array<ArrayBuffer>], { type: 'message/rfc822' }), encrypted: built.encrypted };
    },
  };
}

const byteContents = (attachments: AttachmentSource[]) => distinctBuffers(attachments.flatMap((a) => (a.content instanceof Uint8Array ? [a.content] : [])));

export const SEND_ARG_TRANSFERS: ArgTransfers<SendWorkerApi> = {
  prepareMessage: (draft) => byteContents(draft.attachments),
  buildDraft: (content) => byteContents(content.attachments),
};
