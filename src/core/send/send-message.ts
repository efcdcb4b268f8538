import { AppError } from '../errors/app-error';
import type { JmapClient } from '../jmap/client';
import { type AccountMailboxes, importAndSubmit, type SubmitResult } from '../jmap/mail';
import type { Identity } from '../jmap/types';
import type { Mailbox } from '../mime/addresses';
import { buildMessage, type OutgoingAttachment } from '../mime/build-message';

export type SendStage = 'building' | 'uploading' | 'submitting';

export type OutgoingDraft = {
  identity: Identity;
  /** Display name to use in From; defaults to the identity's name. */
  fromName?: string;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  subject: string;
  text: string;
  attachments: OutgoingAttachment[];
  /** Generated once per composed message and reused on retries. */
  messageId: string;
};

export type SendDeps = {
  jmap: JmapClient;
  mailboxes: AccountMailboxes;
  now: () => Date;
  /** Seed for MIME boundaries. */
  boundarySeed: () => string;
  signal?: AbortSignal;
};

/** Does this identity allow sending as `address`? Identities may be wildcards `*@domain` (RFC 8621 §6). */
export function identityAllows(identity: Identity, address: string): boolean {
  const want = address.toLowerCase();
  const email = identity.email.toLowerCase();
  return email.startsWith('*@') ? want.endsWith(email.slice(1)) : want === email;
}

/**
 * Send one message: build the RFC 5322 bytes here, upload them, import into Drafts and submit,
 * moving the message to Sent. Throws only AppErrors; nothing of the draft is changed.
 */
export async function sendMessage(
  draft: OutgoingDraft,
  deps: SendDeps,
  onProgress: (stage: SendStage) => void = () => {},
): Promise<SubmitResult> {
  if (draft.identity.email.startsWith('*@')) {
    throw new AppError('send/no-identity', 'Wildcard identity needs a concrete address', {
      detail: `The identity ${draft.identity.email} is a wildcard; choose a concrete address.`,
    });
  }
  onProgress('building');
  const from: Mailbox = { name: (draft.fromName ?? draft.identity.name) || null, address: draft.identity.email };
  const built = buildMessage({
    from,
    to: draft.to,
    cc: draft.cc,
    bcc: draft.bcc,
    subject: draft.subject,
    text: draft.text,
    attachments: draft.attachments,
    date: deps.now(),
    messageId: draft.messageId,
    baseBoundary: deps.boundarySeed(),
  });
  onProgress('uploading');
  const upload = await deps.jmap.upload(built.bytes, 'message/rfc822', deps.signal);
  onProgress('submitting');
  return importAndSubmit(deps.jmap, {
    blobId: upload.blobId,
    identityId: draft.identity.id,
    envelope: {
      mailFrom: { email: built.envelope.mailFrom, parameters: null },
      rcptTo: built.envelope.rcptTo.map((email) => ({ email, parameters: null })),
    },
    mailboxes: deps.mailboxes,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}
