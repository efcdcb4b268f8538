import MimeNodeModule from 'emailjs-mime-builder';
import { AppError } from '../errors/app-error';
import { addressKey, formatMailbox, type Mailbox } from './addresses';
import { assertSevenBitMessage } from './seven-bit';

// A CommonJS module with `exports.default`: bundlers unwrap it, Node's ESM loader does not.
const MimeNode: typeof MimeNodeModule =
  (MimeNodeModule as unknown as { default?: typeof MimeNodeModule }).default ?? MimeNodeModule;

export type OutgoingAttachment = { name: string; type: string; content: Uint8Array };

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
  bytes: Uint8Array;
  envelope: { mailFrom: string; rcptTo: string[] };
};

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
export function addBody(root: MimeNodeModule, input: Pick<MessageInput, 'text' | 'attachments'>): void {
  if (input.attachments.length === 0) return textPart(root, input.text);
  textPart(root.createChild('text/plain; charset=utf-8'), input.text);
  for (const a of input.attachments) {
    // Base64 for every attachment, text/* included: its bytes must arrive unchanged.
    root
      .createChild(a.type || 'application/octet-stream', { filename: a.name })
      .setHeader('Content-Transfer-Encoding', 'base64')
      .setContent(a.content);
  }
}

/**
 * Build a complete RFC 5322 / MIME message in the browser: UTF-8 header words (RFC 2047),
 * non-ASCII file names (RFC 2231), Date, Message-ID, MIME-Version, CRLF, 7-bit only.
 */
export function buildMessage(input: MessageInput, draft?: { headers: [name: string, value: string][] }): BuiltMessage {
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

  addBody(root, input);

  const bytes = new TextEncoder().encode(root.build());
  assertSevenBitMessage(bytes);
  return { bytes, envelope: { mailFrom: input.from.address, rcptTo } };
}
