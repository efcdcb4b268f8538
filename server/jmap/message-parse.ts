import PostalMime, { type Address } from 'postal-mime';

export type EmailAddress = { name: string | null; email: string };

/** What Email/get and Email/query need from a message, parsed once when it is stored. */
export type EmailSummary = {
  messageId: string[] | null;
  inReplyTo: string[] | null;
  references: string[] | null;
  sender: EmailAddress[] | null;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  subject: string | null;
  /** RFC 8621 §4.1.3 `header:Content-Type:asRaw`: readers mark encrypted and signed mail in lists by it. */
  'header:Content-Type:asRaw': string | null;
  sentAt: string | null;
  hasAttachment: boolean;
  preview: string;
  /** Lower-cased text for the `text` query filter (bounded). */
  searchText: string;
};

const flatten = (list: Address[] | Address | undefined): EmailAddress[] | null => {
  if (!list) return null;
  const out: EmailAddress[] = [];
  for (const a of Array.isArray(list) ? list : [list]) {
    if ('group' in a && Array.isArray(a.group))
      out.push(...a.group.map((m) => ({ name: m.name || null, email: m.address })));
    else if ('address' in a && a.address) out.push({ name: a.name || null, email: a.address });
  }
  return out.length ? out : null;
};

const msgIds = (value: string | undefined): string[] | null => {
  const ids = value?.match(/<[^<>\s]+>/g)?.map((id) => id.slice(1, -1));
  return ids?.length ? ids : null;
};

/**
 * RFC 5322 §2.1: header fields, then optionally a blank line and a body. The first line must be a
 * header field and the header section must be text (no NUL), which rules out other data.
 */
export function looksLikeMessage(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1');
  const blank = head.search(/\r?\n\r?\n/);
  const section = blank < 0 ? head : head.slice(0, blank);
  return /^[\x21-\x39\x3b-\x7e]+:/.test(head) && !section.includes('\0');
}

/**
 * Text of HTML for the preview and search: tags become spaces. Linear in the input, whatever it
 * holds (a regular expression such as /<[^>]*>/ rescans the rest of the input from every `<` that
 * has no `>`: minutes for 2 MiB of `<`).
 */
export function stripTags(html: string): string {
  let out = '';
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open < 0) break;
    const close = html.indexOf('>', open + 1);
    if (close < 0) break; // no tag closes after this point: the rest is text
    out += html.slice(at, open) + ' ';
    at = close + 1;
  }
  return out + html.slice(at);
}

/** Where the header section ends (RFC 5322 §2.1), looked for in at most this many bytes. */
export const HEADER_SECTION_LIMIT = 256 * 1024;

/**
 * The unfolded values of every header field called `name` (case-insensitive), in order. Used
 * where a parser's "the last one wins" would hide a second field (a second From).
 */
export function headerFields(bytes: Uint8Array, name: string): string[] {
  const head = Buffer.from(bytes.subarray(0, HEADER_SECTION_LIMIT)).toString('latin1');
  const blank = /\r?\n\r?\n/.exec(head);
  const section = blank ? head.slice(0, blank.index) : head;
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const field of section.split(/\r?\n(?![ \t])/)) {
    const colon = field.indexOf(':');
    if (colon > 0 && field.slice(0, colon).trim().toLowerCase() === wanted) {
      values.push(
        field
          .slice(colon + 1)
          .replace(/\r?\n[ \t]/g, ' ')
          .trim(),
      );
    }
  }
  return values;
}

/** Parsing a whole 30 MB message takes seconds; what a summary needs is in its first part. */
const SUMMARY_PARSE_LIMIT = 2 * 1024 * 1024;

/** How much of a message `summarize` needs to see: one byte more than it parses tells it there is more. */
export const SUMMARY_READ = SUMMARY_PARSE_LIMIT + 1;

/**
 * An encrypted message (RFC 3156) shows nothing but its header section and part headers: parsing
 * 2 MiB of its armor took 300 ms per import and changes nothing in the summary.
 */
const ENCRYPTED_PARSE_LIMIT = 64 * 1024;

const boundaryOf = (contentType: string) =>
  /^multipart\//i.test(contentType) ? (/;\s*boundary="?([^";\r\n]+)"?/i.exec(contentType)?.[1]?.trim() ?? null) : null;

/**
 * `bytes` (the start of a multipart message) cut after the header block of the first part whose
 * body goes on past the end: 2 MiB of an attachment's base64 took 40–90 ms to decode for nothing.
 * The part itself stays, empty, so it still counts as an attachment; every part before it whole.
 */
export function withoutUnfinishedBody(bytes: Uint8Array): Uint8Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = boundaryOf(headerFields(bytes, 'content-type')[0] ?? '');
  if (!first) return bytes;
  const boundaries = [first];
  /** Where the first of `needles` found at or after `from` ends, or -1. */
  const after = (needles: string[], from: number) =>
    needles.reduce((found, needle) => {
      const at = buffer.indexOf(needle, from, 'latin1');
      return at >= 0 && (found < 0 || at + needle.length < found) ? at + needle.length : found;
    }, -1);
  /** Where the line after the next delimiter line of any known boundary starts, or -1. */
  const nextPart = (from: number) => {
    const delimiter = after(
      boundaries.map((b) => `\n--${b}`),
      Math.max(0, from - 1),
    );
    return delimiter < 0 ? -1 : buffer.indexOf('\n', delimiter) + 1 || -1;
  };
  for (let part = nextPart(0); part > 0;) {
    const bodyStart = after(['\r\n\r\n', '\n\n'], part - 2);
    if (bodyStart < 0) return bytes;
    const nested = boundaryOf(headerFields(bytes.subarray(part, bodyStart), 'content-type')[0] ?? '');
    if (nested) boundaries.push(nested);
    part = nextPart(bodyStart);
    if (part < 0 && !nested) return bytes.subarray(0, bodyStart);
  }
  return bytes;
}

export async function summarize(bytes: Uint8Array): Promise<EmailSummary> {
  const encrypted = /^multipart\/encrypted\b/i.test(headerFields(bytes, 'content-type')[0] ?? '');
  const limit = encrypted ? ENCRYPTED_PARSE_LIMIT : SUMMARY_PARSE_LIMIT;
  const truncated = bytes.length > limit;
  const parsed = await PostalMime.parse(truncated ? withoutUnfinishedBody(bytes.subarray(0, limit)) : bytes);
  const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
  const text = (parsed.text ?? (parsed.html !== undefined ? stripTags(parsed.html) : '')).replace(/\s+/g, ' ').trim();
  const sentAt =
    parsed.date && !Number.isNaN(Date.parse(parsed.date))
      ? new Date(parsed.date).toISOString().replace(/\.\d{3}Z$/, 'Z')
      : null;
  return {
    messageId: msgIds(parsed.messageId ?? header('message-id')),
    inReplyTo: msgIds(parsed.inReplyTo ?? header('in-reply-to')),
    references: msgIds(parsed.references ?? header('references')),
    sender: flatten(parsed.sender),
    from: flatten(parsed.from),
    to: flatten(parsed.to),
    cc: flatten(parsed.cc),
    bcc: flatten(parsed.bcc),
    replyTo: flatten(parsed.replyTo),
    subject: parsed.subject ?? null,
    'header:Content-Type:asRaw': header('content-type') === undefined ? null : ` ${header('content-type')}`,
    sentAt,
    // A multipart message too large to read whole is taken to carry attachments.
    hasAttachment:
      parsed.attachments.some((a) => a.disposition !== 'inline' || !a.contentId) ||
      (truncated && /^multipart\//i.test(header('content-type') ?? '')),
    preview: text.slice(0, 256),
    searchText: `${parsed.subject ?? ''} ${text}`.toLowerCase().slice(0, 64 * 1024),
  };
}

/**
 * How to remove every Bcc field from a message's header section (RFC 5322 §3.6.3: recipients
 * must not see Bcc), from the message's start: the new header section and where the rest of the
 * original begins, or null when there is no Bcc field. Only those lines change: every other byte
 * stays exactly as submitted. `whole`: `start` is the entire message.
 */
export function bccEdit(start: Uint8Array, whole: boolean): { head: Uint8Array; bodyStart: number } | null {
  const text = Buffer.from(start.buffer, start.byteOffset, start.byteLength).toString('latin1');
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank && !whole) throw new Error('The header section is longer than was read');
  // The header section up to and including the line end of its last field.
  const headEnd = blank ? blank.index + (text[blank.index] === '\r' ? 2 : 1) : text.length;
  const lines = text.slice(0, headEnd).split(/(?<=\n)/);
  const fields: string[][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.push(line);
    else fields.push([line]);
  }
  // `Bcc :` (white space before the colon, RFC 5322 §4.5.3 obsolete syntax) is a Bcc field too.
  const kept = fields.filter((f) => !/^bcc[ \t]*:/i.test(f[0]!));
  if (kept.length === fields.length) return null;
  return { head: new Uint8Array(Buffer.from(kept.flat().join(''), 'latin1')), bodyStart: headEnd };
}
