import { methodNames } from '../crypto/rpc';
import type { OpenMessageOptions } from './open-message';
import type { OpenedMessage } from './types';

/**
 * Reading in the crypto worker, where the unlocked keys are: the raw message goes in as a Blob,
 * parsing, decryption and verification happen there, and only what may be shown comes back
 * (attachments as Blobs). This module is the page's side; reading-worker.ts implements it.
 */
export type ReadingWorkerApi = {
  /** The key IDs the message's root ciphertext is encrypted to (none when the root is not encrypted). */
  messageKeyIds(raw: Blob): Promise<string[]>;
  openMessage(raw: Blob, options: OpenMessageOptions): Promise<OpenedMessage<Blob>>;
};

export const READING_WORKER_METHODS = methodNames<ReadingWorkerApi>({ messageKeyIds: true, openMessage: true });
