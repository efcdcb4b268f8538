import { distinctBuffers, type ArgTransfers, methodNames } from '../crypto/api-shape';
import type { DraftContent, DraftKey } from '../drafts/drafts';
import type { OutgoingAttachment } from '../mime/build-message';
import type { PreparedMessage } from './deliver';
import type { OutgoingDraft } from './send-message';

/** An attachment as the page has it: a File (read in the worker) or bytes. */
export type AttachmentSource = Omit<OutgoingAttachment, 'content'> & { content: Blob | Uint8Array };

/**
 * Message building in the crypto worker: MIME building, encryption, signing and armor for a large
 * message would otherwise block the page. Files go in as Blobs (passed by reference, read there);
 * messages come out as Blobs, which the page uploads without touching their bytes. This module is
 * the page's side (types and what crosses the boundary); send-worker.ts, loaded only in the
 * worker, implements it.
 */
export type SendWorkerApi = {
  prepareMessage(
    draft: Omit<OutgoingDraft, 'attachments'> & { attachments: AttachmentSource[] },
    options: { now: number },
  ): Promise<PreparedMessage>;
  buildDraft(
    content: Omit<DraftContent, 'attachments'> & { attachments: AttachmentSource[] },
    options: { now: number; encryptTo: DraftKey | null; signWith?: string | null },
  ): Promise<{ blob: Blob; encrypted: boolean; spools: string[] }>;
  /** The key IDs a stored draft is encrypted to (none for a plain draft): unlock one, then readDraft. */
  draftKeyIds(raw: Blob): Promise<string[]>;
  /**
   * A stored draft read back (decrypted with the unlocked key); attachments come back as Blobs.
   * `ownKeys`: the user's own public keys, whose signature on the draft is checked.
   */
  readDraft(raw: Blob, ownKeys?: string[]): Promise<OpenedDraft>;
};

export type OpenedDraft = Omit<DraftContent, 'attachments'> & {
  attachments: { name: string; type: string; content: Blob }[];
  encrypted: boolean;
  /** Fingerprints of the user's own keys that signed it (an encrypted draft anyone could have planted otherwise). */
  signedBy: string[];
};

export const SEND_WORKER_METHODS = methodNames<SendWorkerApi>({
  prepareMessage: true,
  buildDraft: true,
  draftKeyIds: true,
  readDraft: true,
});

const byteContents = (attachments: AttachmentSource[]) =>
  distinctBuffers(attachments.flatMap((a) => (a.content instanceof Uint8Array ? [a.content] : [])));

export const SEND_ARG_TRANSFERS: ArgTransfers<SendWorkerApi> = {
  prepareMessage: (draft) => byteContents(draft.attachments),
  buildDraft: (content) => byteContents(content.attachments),
};
