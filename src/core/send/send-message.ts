import { AppError } from '../errors/app-error';
import type { CryptoApi } from '../crypto/types';
import type { JmapClient } from '../jmap/client';
import type { AccountMailboxes } from '../jmap/account-setup';
import type { SubmitResult } from '../jmap/submission';
import { deliverMessage, type PreparedMessage } from './deliver';
import type { Identity } from '../jmap/types';
import { addressKey, type Mailbox } from '../mime/addresses';
import {
  type BuiltMessage,
  buildMessageParts,
  envelopeRecipients,
  type MessageInput,
  type OutgoingAttachment,
} from '../mime/build-message';
import { payloadBlob } from '../mime/payload-parts';
import { releaseSpools, spoolsOf } from '../bytes/spool';
import { autocryptHeader, buildPayloadParts, micalgFor, wrapEncrypted, wrapSigned } from '../mime/pgp-mime';

export type { SendStage } from './deliver';
import type { SendStage } from './deliver';

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
  /** The message this one answers (In-Reply-To, References), from its protected header fields. */
  threading?: { inReplyTo: string[]; references: string[] };
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

/** A copy as built: its bytes, whether Sent keeps it, and the spool files its bytes are read from. */
type Copy = { copy: BuiltMessage; keepInSent: boolean; spools: string[] };

/**
 * The bytes to send and who gets them. Encrypted mail: one copy for To and Cc, and a separate
 * copy for each Bcc recipient, so that no copy names a Bcc recipient's key (RFC 5322 §3.6.3: Bcc recipients must stay hidden from the others).
 * Security: plaintext never leaves here once encryption was asked for; a missing key is an error.
 */
async function protectedCopies(
  input: MessageInput,
  security: Security,
  crypto: NonNullable<SendDeps['crypto']>,
): Promise<Copy[]> {
  const protect = security.protectHeaders !== false;
  if (!security.encrypt) {
    // A detached text-mode signature, made as the payload streams into the Blob that is sent.
    const payload = buildPayloadParts(input, protect ? 'clear' : 'none');
    const { armoredSignature, hash, signed } = await crypto.signPayload({ payload, signWith: security.signWith! });
    return [
      {
        copy: wrapSigned(input, signed, armoredSignature, micalgFor(hash)),
        keepInSent: true,
        spools: spoolsOf(signed),
      },
    ];
  }
  const keyFor = (m: Mailbox) => {
    const armoredPublic = security.recipientKeys[addressKey(m.address)];
    if (!armoredPublic)
      throw new AppError('crypto/failed', `No key for ${m.address}`, {
        detail: `There is no usable key for ${m.address}; nothing was sent.`,
      });
    return { armoredPublic, address: m.address };
  };
  const self = security.ownKey
    ? [{ armoredPublic: security.ownKey.armoredPublic, address: security.ownKey.address }]
    : [];
  const encryptFor = async (recipients: Mailbox[], rcptTo: string[]) => {
    const payload = buildPayloadParts({ ...input, bcc: [] }, protect ? 'cipher' : 'none');
    const { armored } = await crypto.encryptPayload({
      payload,
      recipients: [...recipients.map(keyFor), ...self],
      ...(security.signWith ? { signWith: security.signWith } : {}),
    });
    const built = wrapEncrypted(input, armored, protect);
    return { copy: { ...built, envelope: { ...built.envelope, rcptTo } }, spools: spoolsOf(armored) };
  };
  const copies: Copy[] = [];
  try {
    const visible = [...input.to, ...input.cc];
    if (visible.length)
      copies.push({ ...(await encryptFor(visible, envelopeRecipients([input.to, input.cc]))), keepInSent: true });
    for (const hidden of input.bcc) {
      if (visible.some((v) => addressKey(v.address) === addressKey(hidden.address))) continue;
      copies.push({ ...(await encryptFor([hidden], [hidden.address])), keepInSent: !visible.length && !copies.length });
    }
  } catch (e) {
    // The copies made before the failure are never sent.
    await releaseSpools(copies.flatMap((c) => c.spools));
    throw e;
  }
  return copies;
}

/** Build (and protect) the message in the browser. Throws only AppErrors. */
export async function prepareMessage(
  draft: OutgoingDraft,
  deps: Omit<SendDeps, 'jmap' | 'mailboxes'>,
  onProgress: (stage: SendStage) => void = () => {},
): Promise<PreparedMessage> {
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
    ...(draft.threading ?? {}),
    baseBoundary: deps.boundarySeed(),
  };
  const security = draft.security;
  // Autocrypt (Level 1): every message from an address with a key carries that key, minimal.
  if (security?.ownKey && deps.crypto) {
    input.extraHeaders = [
      autocryptHeader(
        security.ownKey.address,
        await deps.crypto.autocryptKeydata(security.ownKey.armoredPublic, security.ownKey.address),
      ),
    ];
  }
  let copies: Copy[];
  if (security && (security.encrypt || security.signWith)) {
    if (!deps.crypto) throw new AppError('crypto/unavailable', 'No crypto for a protected message');
    onProgress('encrypting');
    copies = await protectedCopies(input, security, deps.crypto);
  } else {
    const { parts, envelope } = buildMessageParts(input);
    const bytes = await payloadBlob(parts);
    copies = [{ copy: { bytes, envelope }, keepInSent: true, spools: spoolsOf(bytes) }];
  }
  return {
    identityId: draft.identity.id,
    messageId: draft.messageId,
    copies: copies.map(({ copy, keepInSent, spools }) => ({
      bytes: copy.bytes,
      envelope: copy.envelope,
      keepInSent,
      ...(spools.length ? { spools } : {}),
    })),
  };
}

/** Build, protect and send one message (no retry state kept: see prepareMessage/deliverMessage). */
export async function sendMessage(
  draft: OutgoingDraft,
  deps: SendDeps,
  onProgress: (stage: SendStage) => void = () => {},
): Promise<SubmitResult> {
  return deliverMessage(await prepareMessage(draft, deps, onProgress), deps, onProgress);
}
