import MimeNodeModule from 'emailjs-mime-builder';
import { AppError } from '../errors/app-error';
import { addressKey, formatMailbox, type Mailbox } from './addresses';
import type { PayloadPart } from './payload-parts';
import { assertSevenBitMessage } from './seven-bit';

// A CommonJS module with `exports.default`: bundlers unwrap it, Node's ESM loader does not.
const MimeNode: typeof MimeNodeModule =
  (MimeNodeModule as unknown as { default?: typeof MimeNodeModule }).default ?? MimeNodeModule;

/** An attachment's content: bytes, or a Blob (a File) read only as the message is written out. */
export type OutgoingAttachment = { name: string; type: string; content: Uint8Array | Blob };

export type MessageInput = {
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  /** Only in the SMTP envelope: never written to a header (RFC 5322 §3.6.3 "blind" copies). */
  bcc: Mailbox[];
  subject: string;
  text: string;
  attachments: OutgoingAttachment[];
  date: Date;
  /** With angle brackets, e.g. `<abc@example.org>`; stable across retries of one message. */
  messageId: string;
  /** Seeds every multipart boundary, so that output is deterministic for tests. */
  baseBoundary: string;
  /** Threading (RFC 5322 §3.6.4): message IDs with angle brackets, written inside and outside. */
  inReplyTo?: string[];
  references?: string[];
  /** More header fields for the outer header section (e.g. Autocrypt). */
  extraHeaders?: [name: string, value: string][];
};

export type BuiltMessage = {
  bytes: Uint8Array | Blob;
  envelope: { mailFrom: string; rcptTo: string[] };
};

const MARKER_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Attachment bodies are left out while the MIME library builds an entity: each stands in as a
 * unique 16-character base64 word (12 bytes the library encodes back to exactly that word), and
 * the built text is split there into PayloadParts. The library still writes every header.
 */
export class AttachmentSlots {
  private readonly token: string;
  private readonly slots: { marker: string; content: Uint8Array | Blob }[] = [];

  constructor() {
    const random = globalThis.crypto.getRandomValues(new Uint8Array(12));
    this.token = Array.from(random, (b) => MARKER_ALPHABET[b % MARKER_ALPHABET.length]).join('');
  }

  /** The stand-in bytes to give the library for `content`. */
  add(content: Uint8Array | Blob): Uint8Array {
    const index = this.slots.length.toString(36).padStart(4, '0');
    const marker = `${this.token}${index}`;
    this.slots.push({ marker, content });
    return Uint8Array.from(atob(marker), (c) => c.charCodeAt(0));
  }

  /** The built entity with every stand-in replaced by its content, to be base64-encoded on output. */
  split(built: string): PayloadPart[] {
    const parts: PayloadPart[] = [];
    let at = 0;
    for (const { marker, content } of this.slots) {
      const found = built.indexOf(marker, at);
      if (found < 0) throw new AppError('mime/invalid-input', 'An attachment went missing while building the message');
      parts.push(built.slice(at, found), { base64: content });
      at = found + marker.length;
    }
    parts.push(built.slice(at));
    return parts;
  }
}

/** In-Reply-To and References, when the message answers another. */
export function threadingFields(input: Pick<MessageInput, 'inReplyTo' | 'references'>): [string, string][] {
  const ids = (list: string[] | undefined) => (list ?? []).filter((id) => /^<[^<>\s]+@?[^<>\s]*>$/.test(id));
  return [
    ...(ids(input.inReplyTo).length ? [['In-Reply-To', ids(input.inReplyTo).join(' ')] as [string, string]] : []),
    ...(ids(input.references).length ? [['References', ids(input.references).join(' ')] as [string, string]] : []),
  ];
}

/** RFC 5322 date in UTC, e.g. `Sat, 28 Nov 2026 10:00:00 +0000`. */
export const formatRfc5322Date = (date: Date): string => date.toUTCString().replace(/GMT$/, '+0000');

/** Every envelope recipient once, compared case-insensitively, in To, Cc, Bcc order. */
export function envelopeRecipients(groups: Mailbox[][]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of groups.flat()) {
    const key = addressKey(m.address);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m.address);
  }
  return out;
}

export { MimeNode };

export function textPart(node: MimeNodeModule, text: string): void {
  // Quoted-printable always: keeps lines short, encodes trailing white space (needed once we sign).
  node.setHeader('Content-Transfer-Encoding', 'quoted-printable');
  node.setContent(text.replace(/\r\n?/g, '\n'));
}

/** The text and attachments under `root` (which is multipart/mixed when there are attachments). */
export function addBody(
  root: MimeNodeModule,
  input: Pick<MessageInput, 'text' | 'attachments'>,
  slots: AttachmentSlots,
): void {
  if (input.attachments.length === 0) return textPart(root, input.text);
  textPart(root.createChild('text/plain; charset=utf-8'), input.text);
  for (const a of input.attachments) {
    // Base64 for every attachment, text/* included: its bytes must arrive unchanged.
    root
      .createChild(a.type || 'application/octet-stream', { filename: a.name })
      .setHeader('Content-Transfer-Encoding', 'base64')
      .setContent(slots.add(a.content));
  }
}

/**
 * Build a complete RFC 5322 / MIME message in the browser: UTF-8 header words (RFC 2047),
 * non-ASCII file names (RFC 2231), Date, Message-ID, MIME-Version, CRLF, 7-bit only.
 */
export function buildMessageParts(
  input: MessageInput,
  draft?: { headers: [name: string, value: string][] },
): { parts: PayloadPart[]; envelope: BuiltMessage['envelope'] } {
  const rcptTo = envelopeRecipients([input.to, input.cc, input.bcc]);
  // A draft may have no recipients yet, and keeps its Bcc as a header: it is not sent as it is.
  if (rcptTo.length === 0 && !draft) throw new AppError('mime/no-recipients', 'No recipients');
  if (!/^<[^<>\s]+@[^<>\s]+>$/.test(input.messageId))
    throw new AppError('mime/invalid-input', `Bad Message-ID ${input.messageId}`);

  const multipart = input.attachments.length > 0;
  const root = new MimeNode(multipart ? 'multipart/mixed' : 'text/plain; charset=utf-8', {
    baseBoundary: input.baseBoundary,
    includeBccInHeader: !!draft,
  });
  root.setHeader('From', formatMailbox(input.from));
  if (input.to.length) root.setHeader('To', input.to.map(formatMailbox).join(', '));
  if (input.cc.length) root.setHeader('Cc', input.cc.map(formatMailbox).join(', '));
  if (draft && input.bcc.length) root.setHeader('Bcc', input.bcc.map(formatMailbox).join(', '));
  root.setHeader('Subject', input.subject);
  root.setHeader('Date', formatRfc5322Date(input.date));
  root.setHeader('Message-ID', input.messageId);
  for (const [name, value] of threadingFields(input)) root.setHeader(name, value);
  for (const [name, value] of [...(input.extraHeaders ?? []), ...(draft?.headers ?? [])]) root.addHeader(name, value);
  root.setHeader('MIME-Version', '1.0');

  const slots = new AttachmentSlots();
  addBody(root, input, slots);

  const built = root.build();
  assertSevenBitMessage(new TextEncoder().encode(built));
  return { parts: slots.split(built), envelope: { mailFrom: input.from.address, rcptTo } };
}
