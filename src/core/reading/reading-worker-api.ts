import { methodNames } from '../crypto/api-shape';
import type { OpenMessageOptions } from './open-message';
import type { OpenedMessage } from './types';

/**
 * Where the worker downloads a raw message from (the JMAP download URL) and with which credentials;
 * `size`: the Email's size, for the progress when the server sends no Content-Length.
 */
export type MessageDownload = { url: string; authorization: string; size?: number };

/** How much of the raw message has been downloaded (and read: download and decryption go together). */
export type ReadProgress = (received: number, total: number) => void;

/**
 * Reading in the crypto worker, where the unlocked keys are: the worker downloads the raw message
 * itself (it never passes through the page, whose thread stays free), parses, decrypts and
 * verifies it there, and only what may be shown comes back (attachments as Blobs). This module is
 * the page's side; reading-worker.ts implements it.
 */
export type ReadingWorkerApi = {
  /** The key IDs the message's root ciphertext is encrypted to (none when the root is not encrypted). */
  messageKeyIds(download: MessageDownload): Promise<string[]>;
  /** `onProgress` is told each whole percent, when the size is known. */
  openMessage(
    download: MessageDownload,
    options: OpenMessageOptions,
    onProgress?: ReadProgress,
  ): Promise<OpenedMessage<Blob>>;
};

export const READING_WORKER_METHODS = methodNames<ReadingWorkerApi>({ messageKeyIds: true, openMessage: true });
