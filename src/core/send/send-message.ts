import { AppError } from '../errors/app-error';
import type { CryptoApi } from '../crypto/types';
import type { JmapClient } from '../jmap/client';
import { type AccountMailboxes, findImported, importDraft, submitDraft, type SubmitResult, wasSubmitted } from '../jmap/mail';
import type { Id, Identity } from '../jmap/types';
import { addressKey, type Mailbox } from '../mime/addresses';
import { type BuiltMessage, buildMessage, envelopeRecipients, type MessageInput, type OutgoingAttachment } from '../mime/build-message';
import { autocryptHeader, buildPayload, micalgFor, wrapEncrypted, wrapSigned } from '../mime/pgp-mime';

export type SendStage = 'building' | 'encrypting' | 'uploading' | 'submitting';

/** How the message is protected; keys are armored public keys, the signing key is unlocked in the worker. */
export type Security = {
  encrypt: boolean;
  /** Fingerprint of the sender's unlocked secret key, to sign with. */
  signWith: string | null;
  /** Public key per recipient address (every To/Cc/Bcc address when encrypting). */
  recipientKeys: Record<string, string>;
  /** The sender's own public key: the Sent copy stays readable to them. */
  ownKey: { address: string; armoredPublic: string } | null;
  /** Header protection (RFC 9788): the real Subject only inside; on unless turned off in Settings. */
  protectHeaders?: boolean;
};

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
  security?: Security;
};

export type SendDeps = {
  jmap: JmapClient;
  mailboxes: AccountMailboxes;
  now: () => Date;
  /** Seed for MIME boundaries. */
  boundarySeed: () => string;
  /** Needed only for encrypted or signed mail. */
  crypto?: Pick<CryptoApi, 'encryptPayload' | 'signPayload' | 'autocryptKeydata'>;
  signal?: AbortSignal;
};

/**
 * The bytes to send and who gets them. Encrypted mail: one copy for To and Cc, and a separate
 * copy for each Bcc recipient, so that no copy names a Bcc recipient's key (protocols.md §4.6).
 * Security: plaintext never leaves here once encryption was asked for; a missing key is an error.
 */
async function protectedCopies(input: MessageInput, security: Security, crypto: NonNullable<SendDeps['crypto']>): Promise<{ copy: BuiltMessage; keepInSent: boolean }[]> {
  const protect = security.protectHeaders !== false;
  if (!security.encrypt) {
    const payload = buildPayload(input, protect ? 'clear' : 'none');
    const { armoredSignature, hash } = await crypto.signPayload({ payload, signWith: security.signWith! });
    return [{ copy: wrapSigned(input, payload, armoredSignature, micalgFor(hash)), keepInSent: true }];
  }
  const keyFor = (m: Mailbox) => {
    const armoredPublic = security.recipientKeys[addressKey(m.address)];
    if (!armoredPublic) throw new AppError('crypto/failed', `No key for ${m.address}`, { detail: `There is no usable key for ${m.address}; nothing was sent.` });
    return { armoredPublic, address: m.address };
  };
  const self = security.ownKey ? [{ armoredPublic: security.ownKey.armoredPublic, address: security.ownKey.address }] : [];
  const encryptFor = async (recipients: Mailbox[], rcptTo: string[]) => {
    const payload = buildPayload({ ...input, bcc: [] }, protect ? 'cipher' : 'none');
    const { armored } = await crypto.encryptPayload({ payload, recipients: [...recipients.map(keyFor), ...self], ...(security.signWith ? { signWith: security.signWith } : {}) });
    const built = wrapEncrypted(input, armored, protect);
    return { ...built, envelope: { ...built.envelope, rcptTo } };
  };
  const copies: { copy: BuiltMessage; keepInSent: boolean }[] = [];
  const visible = [...input.to, ...input.cc];
  if (visible.length) copies.push({ copy: await encryptFor(visible, envelopeRecipients([input.to, input.cc])), keepInSent: true });
  for (const hidden of input.bcc) {
    if (visible.some((v) => addressKey(v.address) === addressKey(hidden.address))) continue;
    copies.push({ copy: await encryptFor([hidden], [hidden.address]), keepInSent: !visible.length && copies.length === 0 });
  }
  return copies;
}

/** Does this identity allow sending as `address`? Identities may be wildcards `*@domain` (RFC 8621 §6). */
export function identityAllows(identity: Identity, address: string): boolean {
  const want = address.toLowerCase();
  const email = identity.email.toLowerCase();
  return email.startsWith('*@') ? want.endsWith(email.slice(1)) : want === email;
}

/** One copy of a message to hand to the server, and how far it got (kept across retries). */
export type OutgoingCopy = {
  bytes: Uint8Array;
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
};

/**
 * A message ready to go: built, and encrypted or signed once. Retries reuse it, so the same
 * ciphertext is retried and a copy the server already accepted is never submitted again.
 */
export type PreparedMessage = { identityId: Id; messageId: string; copies: OutgoingCopy[] };

/** Build (and protect) the message in the browser. Throws only AppErrors. */
export async function prepareMessage(draft: OutgoingDraft, deps: Omit<SendDeps, 'jmap' | 'mailboxes'>, onProgress: (stage: SendStage) => void = () => {}): Promise<PreparedMessage> {
  if (draft.identity.email.startsWith('*@')) {
    throw new AppError('send/no-identity', 'Wildcard identity needs a concrete address', {
      detail: `The identity ${draft.identity.email} is a wildcard; choose a concrete address.`,
    });
  }
  onProgress('building');
  const from: Mailbox = { name: (draft.fromName ?? draft.identity.name) || null, address: draft.identity.email };
  const input: MessageInput = {
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
  };
  const security = draft.security;
  // Autocrypt (Level 1): every message from an address with a key carries that key, minimal.
  if (security?.ownKey && deps.crypto) {
    input.extraHeaders = [autocryptHeader(security.ownKey.address, await deps.crypto.autocryptKeydata(security.ownKey.armoredPublic, security.ownKey.address))];
  }
  let copies: { copy: BuiltMessage; keepInSent: boolean }[];
  if (security && (security.encrypt || security.signWith)) {
    if (!deps.crypto) throw new AppError('crypto/unavailable', 'No crypto for a protected message');
    onProgress('encrypting');
    copies = await protectedCopies(input, security, deps.crypto);
  } else {
    copies = [{ copy: buildMessage(input), keepInSent: true }];
  }
  return {
    identityId: draft.identity.id,
    messageId: draft.messageId,
    copies: copies.map(({ copy, keepInSent }) => ({ bytes: copy.bytes, envelope: copy.envelope, keepInSent })),
  };
}

/** Whether a failed request may still have been carried out by the server. */
function outcomeUnknown(e: unknown): boolean {
  if (!(e instanceof AppError)) return true;
  if (e.code === 'jmap/unreachable') return true;
  return e.code === 'jmap/request-failed' && !/HTTP 4\d\d/.test(e.message);
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
export async function deliverMessage(prepared: PreparedMessage, deps: Pick<SendDeps, 'jmap' | 'mailboxes' | 'signal'>, onProgress: (stage: SendStage) => void = () => {}): Promise<SubmitResult> {
  const { jmap, mailboxes, signal } = deps;
  for (const copy of prepared.copies) {
    if (copy.result) continue;
    if (copy.uncertain === 'submit' && copy.emailId) {
      onProgress('submitting');
      const earlier = await wasSubmitted(jmap, copy.emailId, signal);
      delete copy.uncertain;
      if (earlier) {
        copy.result = { emailId: copy.emailId, submissionId: earlier.submissionId, undoStatus: 'final', movedToSent: copy.keepInSent && !!mailboxes.sent };
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
        onProgress('uploading');
        copy.blobId = (await jmap.upload(copy.bytes, 'message/rfc822', signal)).blobId;
      }
      onProgress('submitting');
      try {
        copy.emailId = await tracked(copy, 'import', () => importDraft(jmap, { blobId: copy.blobId!, mailboxes, ...(signal ? { signal } : {}) }));
      } catch (e) {
        // An expired or unknown blob is uploaded again on the next try.
        if (e instanceof AppError && e.code === 'jmap/import-failed' && /blobNotFound/.test(e.message)) delete copy.blobId;
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
          envelope: { mailFrom: { email: copy.envelope.mailFrom, parameters: null }, rcptTo: copy.envelope.rcptTo.map((email) => ({ email, parameters: null })) },
          mailboxes,
          keepInSent: copy.keepInSent,
          ...(signal ? { signal } : {}),
        }),
      );
    } catch (e) {
      if (e instanceof AppError && e.code === 'jmap/submission-failed') delete copy.emailId; // submitDraft removed it
      throw e;
    }
  }
  return (prepared.copies.find((c) => c.keepInSent) ?? prepared.copies[0]!).result!;
}

/** Build, protect and send one message (no retry state kept: see prepareMessage/deliverMessage). */
export async function sendMessage(draft: OutgoingDraft, deps: SendDeps, onProgress: (stage: SendStage) => void = () => {}): Promise<SubmitResult> {
  return deliverMessage(await prepareMessage(draft, deps, onProgress), deps, onProgress);
}
