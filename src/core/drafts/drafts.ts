import PostalMime, { type Address, type Email as ParsedEmail } from 'postal-mime';
import { AppError } from '../errors/app-error';
import type { CryptoApi, StreamingCryptoApi } from '../crypto/types';
import { fileStandOf, openStreamed, sessionKeyPackets } from '../reading/streamed-decryption';
import type { Mailbox } from '../mime/addresses';
import { buildMessageParts, type MessageInput } from '../mime/build-message';
import { payloadBlob } from '../mime/payload-parts';
import { spoolsOf } from '../bytes/spool';
import { buildPayloadParts, type HeaderField, wrapEncrypted } from '../mime/pgp-mime';

/** The composer's own state kept in a draft: the Encrypt and Sign choices (null: automatic). */
export const DRAFT_STATE_HEADER = 'X-Composer-Draft';

/**
 * Recipient text that is not an address (yet): an invalid chip's text, or what was being typed in
 * a field. Kept with the draft so that nothing typed is lost.
 */
export type LooseRecipient = { field: 'to' | 'cc' | 'bcc'; kind: 'chip' | 'typing'; text: string };

export type DraftContent = Pick<
  MessageInput,
  'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'attachments' | 'messageId' | 'inReplyTo' | 'references'
> & {
  encrypt: boolean | null;
  sign: boolean | null;
  loose?: LooseRecipient[];
};

/**
 * One header per loose recipient: `<field> <kind> <UTF-8 text in base64>`, the base64 cut into
 * words so that the header folds (the text may be long, and may hold anything, line breaks too).
 */
const LOOSE_HEADER = 'X-Composer-Draft-Recipient';

function looseHeader({ field, kind, text }: LooseRecipient): HeaderField {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  return [LOOSE_HEADER, `${field} ${kind} ${base64.match(/.{1,64}/g)?.join(' ') ?? ''}`.trim()];
}

function readLoose(value: string): LooseRecipient | null {
  const [field, kind, ...words] = value.trim().split(/\s+/);
  if ((field !== 'to' && field !== 'cc' && field !== 'bcc') || (kind !== 'chip' && kind !== 'typing')) return null;
  try {
    const text = new TextDecoder().decode(Uint8Array.from(atob(words.join('')), (c) => c.charCodeAt(0)));
    return text ? { field, kind, text } : null;
  } catch {
    return null; // damaged: skipped, the rest of the draft still opens
  }
}

export type DraftKey = { armoredPublic: string; address: string };

const choice = (c: boolean | null) => (c === null ? 'auto' : c ? 'on' : 'off');
const readChoice = (value: string | undefined, name: string): boolean | null => {
  const found = new RegExp(`(?:^|;)\\s*${name}=(on|off|auto)`, 'i').exec(value ?? '')?.[1]?.toLowerCase();
  return found === 'on' ? true : found === 'off' ? false : null;
};

/**
 * The bytes of a draft. With the author's key: PGP/MIME encrypted to that key alone, with every
 * header that says something (Subject, To, Cc, Bcc) only inside; the outer Subject is a
 * placeholder and the outer header names no recipient. Without a key: a plain message, which the
 * caller allows only when the user did not ask for encryption.
 */
export async function buildDraft(
  content: DraftContent,
  options: {
    date: Date;
    baseBoundary: string;
    encryptTo: DraftKey | null;
    /** The author's unlocked key: a draft signed by it cannot be planted by whoever can encrypt to the author. */
    signWith?: string | null;
    crypto: Pick<CryptoApi, 'encryptPayload'>;
  },
): Promise<{ bytes: Blob; encrypted: boolean; spools: string[] }> {
  const input: MessageInput = {
    from: content.from,
    to: content.to,
    cc: content.cc,
    bcc: content.bcc,
    subject: content.subject,
    text: content.text,
    attachments: content.attachments,
    date: options.date,
    messageId: content.messageId,
    ...(content.inReplyTo ? { inReplyTo: content.inReplyTo } : {}),
    ...(content.references ? { references: content.references } : {}),
    baseBoundary: options.baseBoundary,
  };
  const headers: HeaderField[] = [
    [DRAFT_STATE_HEADER, `encrypt=${choice(content.encrypt)}; sign=${choice(content.sign)}`],
    ...(content.loose ?? []).map(looseHeader),
  ];
  if (!options.encryptTo) {
    const bytes = await payloadBlob(buildMessageParts(input, { headers }).parts);
    return { bytes, encrypted: false, spools: spoolsOf(bytes) };
  }
  const payload = buildPayloadParts(input, 'cipher', { headers });
  const { armored } = await options.crypto.encryptPayload({
    payload,
    recipients: [options.encryptTo],
    ...(options.signWith ? { signWith: options.signWith } : {}),
  });
  return {
    bytes: wrapEncrypted({ ...input, to: [], cc: [], bcc: [] }, armored, true).bytes,
    encrypted: true,
    spools: spoolsOf(armored),
  };
}

const mailboxes = (list: Address[] | undefined): Mailbox[] =>
  (list ?? [])
    .flatMap((a) => (a.group ? a.group : [a]))
    .filter((m) => m.address)
    .map((m) => ({ name: m.name || null, address: m.address }));

const ARMORED_MESSAGE = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;

/**
 * The armored OpenPGP message of a `multipart/encrypted` draft, or null for any other message.
 * Found without a MIME parser: the outer message of an encrypted draft is that one block, and
 * parsing a draft with large attachments is slow.
 */
export function armoredDraft(raw: Uint8Array): string | null {
  const text = new TextDecoder('latin1').decode(raw);
  const headerEnd = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, headerEnd < 0 ? text.length : headerEnd).replace(/\r?\n[ \t]+/g, ' ');
  if (!/^content-type:[ \t]*multipart\/encrypted\b/im.test(head)) return null;
  const armored = ARMORED_MESSAGE.exec(text)?.[0];
  if (!armored) throw new AppError('draft/unreadable', 'multipart/encrypted without an OpenPGP message');
  return armored;
}

/**
 * The key IDs a stored draft is encrypted to (none for a plain draft): the key to unlock before
 * readDraft. Of an encrypted draft only the head is read.
 */
export async function draftKeyIds(raw: Blob, crypto: Pick<CryptoApi, 'encryptedFor'>): Promise<string[]> {
  const head = await sessionKeyPackets(raw.stream());
  if ('packets' in head) return head.packets.length ? crypto.encryptedFor(head.packets) : [];
  const armored = armoredDraft(head.whole);
  return armored ? crypto.encryptedFor(armored) : [];
}

/** In-Reply-To and References of an answer's draft; nothing for a new message. */
function threadingOf(message: ParsedEmail): { inReplyTo?: string[]; references?: string[] } {
  const inReplyTo = message.inReplyTo?.match(/<[^<>\s]+>/g) ?? [];
  const references = message.references?.match(/<[^<>\s]+>/g) ?? [];
  return { ...(inReplyTo.length ? { inReplyTo } : {}), ...(references.length ? { references } : {}) };
}

async function parse(raw: Uint8Array): Promise<ParsedEmail> {
  try {
    return await PostalMime.parse(raw);
  } catch (cause) {
    throw new AppError('draft/unreadable', 'The draft is not a readable message', { cause });
  }
}

/**
 * Read a stored draft back. An encrypted one is decrypted in the worker as it is read, its files
 * decoded into Blobs on the way (a draft with a 50 MB attachment is never held whole); the caller
 * has had the key it is encrypted to unlocked (draftKeyIds).
 */
export async function readDraft(
  raw: Blob,
  crypto: Pick<CryptoApi, 'encryptedFor'> & StreamingCryptoApi,
  options: { unlock?: (keyIds: string[]) => Promise<void>; ownKeys?: string[] } = {},
): Promise<DraftContent & { encrypted: boolean; signedBy: string[] }> {
  if (options.unlock) {
    const keyIds = await draftKeyIds(raw, crypto);
    if (keyIds.length) await options.unlock(keyIds);
  }
  const opened = await openStreamed(raw.stream(), crypto, {
    verifyWith: options.ownKeys ?? [],
    pinned: null,
    maxDecompressedBytes: Number.POSITIVE_INFINITY,
  });
  if (opened.kind === 'failed')
    throw new AppError('draft/unreadable', `The draft could not be decrypted: ${opened.problem}`, {
      detail: opened.problem,
    });
  const encrypted = opened.kind === 'opened';
  const message = await parse(encrypted ? opened.payload : opened.skeleton);
  const signedBy = encrypted
    ? opened.signatures.flatMap((c) => (c.result === 'good' && c.signer ? [c.signer.fingerprint] : []))
    : [];
  const fileOf = (content: ArrayBuffer | Uint8Array | string): Blob | Uint8Array => {
    const bytes =
      typeof content === 'string'
        ? new TextEncoder().encode(content)
        : content instanceof Uint8Array
          ? content
          : new Uint8Array(content);
    const stand = fileStandOf(bytes);
    return (stand && opened.files.get(stand)) || bytes;
  };
  const state = message.headers.find((h) => h.key === DRAFT_STATE_HEADER.toLowerCase())?.value;
  const from = mailboxes(message.from ? [message.from] : [])[0];
  if (!from) throw new AppError('draft/unreadable', 'Draft without From');
  return {
    from,
    to: mailboxes(message.to),
    cc: mailboxes(message.cc),
    bcc: mailboxes(message.bcc),
    subject: message.subject ?? '',
    // The builder ends the text with the line break that closes the part; it is not the user's.
    text: (message.text ?? '').replace(/\r\n/g, '\n').replace(/\n$/, ''),
    attachments: message.attachments
      .filter((a) => a.disposition === 'attachment' || a.filename)
      .map((a) => ({
        name: a.filename ?? 'attachment',
        type: a.mimeType,
        content: fileOf(a.content),
      })),
    messageId: message.messageId ?? '',
    ...threadingOf(message),
    encrypt: readChoice(state, 'encrypt'),
    sign: readChoice(state, 'sign'),
    loose: message.headers.filter((h) => h.key === LOOSE_HEADER.toLowerCase()).flatMap((h) => readLoose(h.value) ?? []),
    encrypted,
    signedBy,
  };
}
