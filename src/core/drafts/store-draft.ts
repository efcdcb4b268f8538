import { AppError } from '../errors/app-error';
import type { JmapClient } from '../jmap/client';
import type { AccountMailboxes } from '../jmap/account-setup';
import { destroyEmails } from '../jmap/mail';
import { importDraft } from '../jmap/submission';
import type { Id } from '../jmap/types';

// Storing a draft is kept apart from building and reading one (drafts.ts: the MIME builder and
// parser, which run in the worker), so that the page loads only this.

/**
 * Store a draft: upload, import into Drafts (keywords $draft and $seen), then remove the copy it
 * replaces. The new copy exists before the old one goes, so a failure never loses the draft.
 * `signal` stops the upload only: an import cut off midway could leave a copy nobody knows of.
 */
export async function storeDraft(
  client: JmapClient,
  bytes: Uint8Array | Blob,
  options: { mailboxes: AccountMailboxes; replaces?: Id | null; signal?: AbortSignal },
): Promise<{ emailId: Id; blobId: Id }> {
  const drafts = options.mailboxes.drafts;
  if (!drafts) throw new AppError('jmap/no-drafts-mailbox', 'No mailbox with role drafts');
  const upload = await client.upload(bytes, 'message/rfc822', options.signal);
  const emailId = await importDraft(client, { blobId: upload.blobId, mailboxes: options.mailboxes });
  if (options.replaces && options.replaces !== emailId) {
    // Best effort: a leftover older copy is better than a lost draft.
    await destroyEmails(client, [options.replaces]).catch(() => undefined);
  }
  return { emailId, blobId: upload.blobId };
}
