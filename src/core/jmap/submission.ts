import { AppError } from '../errors/app-error';
import { getMethodResponse, type JmapClient } from './client';
import type { AccountMailboxes } from './account-setup';
import { destroyEmails } from './mail';
import { describeSubmissionError } from './submission-errors';
import { CAPABILITY, type Envelope, type Id, SEND_USING, type SetError } from './types';

// Loaded with the first send, not with the page (mail.ts holds what start-up needs).
const MAIL_USING = [CAPABILITY.core, CAPABILITY.mail];

/** Escape a mailbox id for use inside a JMAP patch path (RFC 6901). */
export const patchPathSegment = (id: string): string => id.replace(/~/g, '~0').replace(/\//g, '~1');

export type SubmitResult = { emailId: Id; submissionId: Id | null; undoStatus: string; movedToSent: boolean };

/** Import uploaded RFC 5322 bytes into Drafts ($draft, $seen): the server stores exactly those bytes. */
export async function importDraft(
  client: JmapClient,
  options: { blobId: Id; mailboxes: AccountMailboxes; signal?: AbortSignal },
): Promise<Id> {
  const drafts = options.mailboxes.drafts;
  if (!drafts) throw new AppError('jmap/no-drafts-mailbox', 'No mailbox with role drafts');
  const { methodResponses } = await client.request(
    {
      using: MAIL_USING,
      methodCalls: [
        [
          'Email/import',
          {
            accountId: client.session.accountId,
            emails: {
              draft: {
                blobId: options.blobId,
                mailboxIds: { [drafts.id]: true },
                keywords: { $draft: true, $seen: true },
              },
            },
          },
          'import',
        ],
      ],
    },
    options.signal,
  );
  const imported = getMethodResponse<{
    created?: Record<string, { id: Id }> | null;
    notCreated?: Record<string, SetError> | null;
  }>(methodResponses, 'Email/import', 'import');
  const importError = imported.notCreated?.draft;
  const emailId = imported.created?.draft?.id;
  if (importError || !emailId) {
    throw new AppError('jmap/import-failed', `Email/import failed: ${importError?.type ?? 'no id'}`, {
      detail: importError ? describeSubmissionError(importError) : undefined,
      ...(importError ? { jmapErrorType: importError.type } : {}),
    });
  }
  return emailId;
}

/**
 * Submit an imported draft (RFC 8621 §7.5). On success it moves from Drafts to Sent, or is
 * destroyed (`keepInSent: false`, per-Bcc copies of encrypted mail). A refused submission's
 * draft is removed, so failed tries leave nothing behind.
 */
export async function submitDraft(
  client: JmapClient,
  options: {
    emailId: Id;
    identityId: Id;
    envelope: Envelope;
    mailboxes: AccountMailboxes;
    keepInSent?: boolean;
    signal?: AbortSignal;
  },
): Promise<SubmitResult> {
  const { drafts, sent } = options.mailboxes;
  const onSuccess: Record<string, unknown> = { 'keywords/$draft': null };
  if (sent && drafts) {
    onSuccess[`mailboxIds/${patchPathSegment(drafts.id)}`] = null;
    onSuccess[`mailboxIds/${patchPathSegment(sent.id)}`] = true;
  }
  const { methodResponses } = await client.request(
    {
      using: SEND_USING,
      methodCalls: [
        [
          'EmailSubmission/set',
          {
            accountId: client.session.accountId,
            create: { send: { identityId: options.identityId, emailId: options.emailId, envelope: options.envelope } },
            ...(options.keepInSent === false
              ? { onSuccessDestroyEmail: ['#send'] }
              : { onSuccessUpdateEmail: { '#send': onSuccess } }),
          },
          'submit',
        ],
      ],
    },
    options.signal,
  );
  const submitted = getMethodResponse<{
    created?: Record<string, { id: Id; undoStatus?: string }> | null;
    notCreated?: Record<string, SetError> | null;
  }>(methodResponses, 'EmailSubmission/set', 'submit');
  const submitError = submitted.notCreated?.send;
  const created = submitted.created?.send;
  if (submitError || !created) {
    await destroyEmails(client, [options.emailId]).catch(() => undefined); // best effort: no stray draft per failed try
    throw new AppError('jmap/submission-failed', `EmailSubmission/set failed: ${submitError?.type ?? 'no id'}`, {
      detail: submitError ? describeSubmissionError(submitError) : undefined,
      ...(submitError ? { jmapErrorType: submitError.type } : {}),
    });
  }
  // The implicit Email/set (same call id) is optional: servers may omit it (RFC 8621 §7.5).
  const implicit = methodResponses.find(([name, , id]) => name === 'Email/set' && id === 'submit');
  const updated = (implicit?.[1] as { updated?: Record<string, unknown> | null } | undefined)?.updated;
  return {
    emailId: options.emailId,
    submissionId: created.id,
    undoStatus: created.undoStatus ?? 'final',
    movedToSent: Boolean(sent && updated && options.emailId in updated),
  };
}

/**
 * After a lost answer to EmailSubmission/set: was this email submitted? Servers that keep
 * submissions show one for it. Cyrus keeps none once final, so the email tells instead: the
 * submit request's own onSuccess changes (out of Drafts without $draft, or destroyed) happen
 * only when the submission was made.
 */
export async function wasSubmitted(
  client: JmapClient,
  emailId: Id,
  signal?: AbortSignal,
): Promise<{ submissionId: Id | null } | null> {
  const accountId = client.session.accountId;
  const { methodResponses } = await client.request(
    {
      using: SEND_USING,
      methodCalls: [
        ['EmailSubmission/query', { accountId, filter: { emailIds: [emailId] } }, 'q'],
        [
          'EmailSubmission/get',
          {
            accountId,
            '#ids': { resultOf: 'q', name: 'EmailSubmission/query', path: '/ids' },
            properties: ['id', 'emailId', 'undoStatus'],
          },
          'g',
        ],
        ['Email/get', { accountId, ids: [emailId], properties: ['id', 'keywords'] }, 'e'],
      ],
    },
    signal,
  );
  const submissions = getMethodResponse<{ list: { id: Id; emailId: Id; undoStatus?: string }[] }>(
    methodResponses,
    'EmailSubmission/get',
    'g',
  ).list;
  const submission = submissions.find((s) => s.emailId === emailId && s.undoStatus !== 'canceled');
  if (submission) return { submissionId: submission.id };
  const email = getMethodResponse<{ list: { id: Id; keywords?: Record<string, boolean> }[] }>(
    methodResponses,
    'Email/get',
    'e',
  ).list[0];
  return !email || !email.keywords?.$draft ? { submissionId: null } : null;
}

/** After a lost answer to Email/import: the draft imported from this blob, if the server made one. */
export async function findImported(
  client: JmapClient,
  mailboxes: AccountMailboxes,
  blobId: Id,
  signal?: AbortSignal,
): Promise<Id | null> {
  if (!mailboxes.drafts) return null;
  const accountId = client.session.accountId;
  const { methodResponses } = await client.request(
    {
      using: MAIL_USING,
      methodCalls: [
        [
          'Email/query',
          {
            accountId,
            filter: { inMailbox: mailboxes.drafts.id, hasKeyword: '$draft' },
            sort: [{ property: 'receivedAt', isAscending: false }],
            limit: 50,
          },
          'q',
        ],
        [
          'Email/get',
          { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['id', 'blobId'] },
          'g',
        ],
      ],
    },
    signal,
  );
  return (
    getMethodResponse<{ list: { id: Id; blobId: Id }[] }>(methodResponses, 'Email/get', 'g').list.find(
      (e) => e.blobId === blobId,
    )?.id ?? null
  );
}
