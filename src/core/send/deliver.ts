import { AppError } from '../errors/app-error';
import type { JmapClient } from '../jmap/client';
import type { AccountMailboxes } from '../jmap/account-setup';
import { findImported, importDraft, submitDraft, type SubmitResult, wasSubmitted } from '../jmap/submission';
import type { Id } from '../jmap/types';
import { releaseSpools } from '../bytes/spool';
import { exactSizeProblem, sizeLimitsOf } from './size-limits';

export type SendStage = 'building' | 'encrypting' | 'uploading' | 'submitting';
/** How much of the message has gone up, where the browser can tell. */
export type UploadedSoFar = { sent: number; total: number };

export type DeliverDeps = { jmap: JmapClient; mailboxes: AccountMailboxes; signal?: AbortSignal };

/** One copy of a message to hand to the server, and how far it got (kept across retries). */
export type OutgoingCopy = {
  /** A Blob when built in the worker: handed to the page and uploaded without a copy on the main thread. */
  bytes: Uint8Array | Blob;
  envelope: { mailFrom: string; rcptTo: string[] };
  keepInSent: boolean;
  /** Uploaded already: a retry reuses the blob. */
  blobId?: Id;
  /** Imported into Drafts already: a retry submits this email. */
  emailId?: Id;
  /** Submitted: a retry skips this copy. */
  result?: SubmitResult;
  /** A request whose answer never came (network failure): the server may have carried it out. */
  uncertain?: 'import' | 'submit';
  /** The spool files `bytes` is read from (see openSpool): removed once the copy is submitted or given up. */
  spools?: string[];
};

/**
 * A message ready to go: built, and encrypted or signed once. Retries reuse it, so the same
 * ciphertext is retried and a copy the server already accepted is never submitted again.
 */
export type PreparedMessage = { identityId: Id; messageId: string; copies: OutgoingCopy[] };

/** The spool files of the copies not submitted yet: what a prepared message that is given up leaves. */
export function releasePrepared(prepared: PreparedMessage): void {
  for (const copy of prepared.copies) releaseBytes(copy);
}

/** A copy submitted (or given up) needs its bytes no more. */
function releaseBytes(copy: OutgoingCopy): void {
  if (!copy.spools?.length) return;
  void releaseSpools(copy.spools);
  delete copy.spools;
}

/** Whether a failed request may still have been carried out by the server. */
function outcomeUnknown(e: unknown): boolean {
  if (!(e instanceof AppError)) return true;
  if (e.code === 'jmap/unreachable') return true;
  // A 4xx answer means the server refused the request; a 5xx or an unreadable answer may come after it acted.
  return e.code === 'jmap/request-failed' && !(e.httpStatus !== undefined && e.httpStatus >= 400 && e.httpStatus < 500);
}

async function tracked<T>(copy: OutgoingCopy, step: 'import' | 'submit', run: () => Promise<T>): Promise<T> {
  try {
    const value = await run();
    delete copy.uncertain;
    return value;
  } catch (e) {
    if (outcomeUnknown(e)) copy.uncertain = step;
    throw e;
  }
}

/**
 * Hand a prepared message to the server: per copy, upload (once), import into Drafts, then submit
 * (moving it to Sent, or destroying a per-Bcc copy). Progress is kept in `prepared`: calling this
 * again after a failure resumes where it stopped. When an answer was lost, the server is asked
 * what happened first (the imported email by its blob, the submission by its email id), so a copy
 * is never sent twice. Throws only AppErrors.
 */
export async function deliverMessage(
  prepared: PreparedMessage,
  deps: DeliverDeps,
  onProgress: (stage: SendStage, uploaded?: UploadedSoFar) => void = () => {},
): Promise<SubmitResult> {
  const { jmap, mailboxes, signal } = deps;
  for (const copy of prepared.copies) {
    if (copy.result) continue;
    if (copy.uncertain === 'submit' && copy.emailId) {
      onProgress('submitting');
      const earlier = await wasSubmitted(jmap, copy.emailId, signal);
      delete copy.uncertain;
      if (earlier) {
        copy.result = {
          emailId: copy.emailId,
          submissionId: earlier.submissionId,
          undoStatus: 'final',
          movedToSent: copy.keepInSent && !!mailboxes.sent,
        };
        releaseBytes(copy);
        continue;
      }
    }
    if (copy.uncertain === 'import' && copy.blobId) {
      const found = await findImported(jmap, mailboxes, copy.blobId, signal);
      delete copy.uncertain;
      if (found) copy.emailId = found;
    }
    if (!copy.emailId) {
      if (!copy.blobId) {
        // Refused here rather than by the submission server after the upload and import.
        const size = copy.bytes instanceof Blob ? copy.bytes.size : copy.bytes.byteLength;
        const tooLarge = exactSizeProblem(size, sizeLimitsOf(jmap.session));
        if (tooLarge)
          throw new AppError('jmap/too-large', `Message of ${size} bytes exceeds SMTP SIZE`, { detail: tooLarge });
        onProgress('uploading');
        const progress = (sent: number, total: number) => onProgress('uploading', { sent, total });
        copy.blobId = (await jmap.upload(copy.bytes, 'message/rfc822', signal, progress)).blobId;
      }
      onProgress('submitting');
      try {
        copy.emailId = await tracked(copy, 'import', () =>
          importDraft(jmap, { blobId: copy.blobId!, mailboxes, ...(signal ? { signal } : {}) }),
        );
      } catch (e) {
        // An expired or unknown blob is uploaded again on the next try.
        if (e instanceof AppError && e.code === 'jmap/import-failed' && e.jmapErrorType === 'blobNotFound')
          delete copy.blobId;
        throw e;
      }
    }
    onProgress('submitting');
    const emailId = copy.emailId;
    try {
      copy.result = await tracked(copy, 'submit', () =>
        submitDraft(jmap, {
          emailId,
          identityId: prepared.identityId,
          envelope: {
            mailFrom: { email: copy.envelope.mailFrom, parameters: null },
            rcptTo: copy.envelope.rcptTo.map((email) => ({ email, parameters: null })),
          },
          mailboxes,
          keepInSent: copy.keepInSent,
          ...(signal ? { signal } : {}),
        }),
      );
    } catch (e) {
      if (e instanceof AppError && e.code === 'jmap/submission-failed') delete copy.emailId; // submitDraft removed it
      throw e;
    }
    releaseBytes(copy);
  }
  return (prepared.copies.find((c) => c.keepInSent) ?? prepared.copies[0]!).result!;
}
