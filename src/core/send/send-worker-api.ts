import type { CryptoApi } from '../crypto/types';
import { distinctBuffers, type ArgTransfers, type Transfers } from '../crypto/rpc';
import { buildDraft, type DraftContent, type DraftKey } from '../drafts/drafts';
import type { PreparedMessage } from './deliver';
import { type OutgoingDraft, prepareMessage } from './send-message';

/**
 * Message building that runs in the crypto worker: MIME building, encryption, signing and armor
 * for a large message would otherwise block the page. Attachments go in, message bytes come out;
 * both are moved across, not copied.
 */
export type SendWorkerApi = {
  prepareMessage(draft: OutgoingDraft, options: { now: number; boundarySeed: string }): Promise<PreparedMessage>;
  buildDraft(content: DraftContent, options: { now: number; boundarySeed: string; encryptTo: DraftKey | null }): Promise<{ bytes: Uint8Array; encrypted: boolean }>;
};

export const SEND_WORKER_METHODS: (keyof SendWorkerApi)[] = ['prepareMessage', 'buildDraft'];

export function createSendWorkerApi(crypto: CryptoApi): SendWorkerApi {
  return {
    prepareMessage: (draft, { now, boundarySeed }) => prepareMessage(draft, { crypto, now: () => new Date(now), boundarySeed: () => boundarySeed }),
    buildDraft: (content, { now, boundarySeed, encryptTo }) => buildDraft(content, { date: new Date(now), baseBoundary: boundarySeed, encryptTo, crypto }),
  };
}

export const SEND_RESULT_TRANSFERS: Transfers<SendWorkerApi> = {
  prepareMessage: (prepared) => distinctBuffers(prepared.copies.map((c) => c.bytes)),
  buildDraft: (built) => distinctBuffers([built.bytes]),
};

export const SEND_ARG_TRANSFERS: ArgTransfers<SendWorkerApi> = {
  prepareMessage: (draft) => distinctBuffers(draft.attachments.map((a) => a.content)),
  buildDraft: (content) => distinctBuffers(content.attachments.map((a) => a.content)),
};
