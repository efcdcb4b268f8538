import { addressParser, decodeWords } from 'postal-mime';
import { asciiLower, type Mailbox } from '../mime/addresses';
import type { MimeEntity } from './mime-tree';
import type { AutocryptIntake, ReadHeaders } from './types';

/** Header bytes were read one character per byte: raw UTF-8 (RFC 6532) is decoded as such. */
function utf8(value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}

const fields = (e: Pick<MimeEntity, 'headers'>, name: string) =>
  e.headers.filter(([n]) => n === name).map(([, v]) => utf8(v));

const mailboxes = (values: string[]): Mailbox[] =>
  values.flatMap((v) =>
    addressParser(v, { flatten: true })
      .filter((m) => m.address)
      .map((m) => ({ name: m.name ? decodeWords(m.name) : null, address: m.address! })),
  );

const messageIds = (value: string | undefined): string[] => value?.match(/<[^<>\s]+>/g) ?? [];

/** The user-facing header fields of one header section, decoded. */
export function readHeaderFields(e: Pick<MimeEntity, 'headers'>): ReadHeaders {
  const from = mailboxes(fields(e, 'from'));
  const subject = fields(e, 'subject')[0];
  const date = fields(e, 'date')[0];
  const parsedDate = date ? new Date(date) : null;
  return {
    from,
    severalFrom: fields(e, 'from').length > 1 || from.length > 1,
    to: mailboxes(fields(e, 'to')),
    cc: mailboxes(fields(e, 'cc')),
    replyTo: mailboxes(fields(e, 'reply-to')),
    subject: subject === undefined ? '' : decodeWords(subject),
    date: parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate.toISOString() : null,
    messageId: messageIds(fields(e, 'message-id')[0])[0] ?? null,
    inReplyTo: messageIds(fields(e, 'in-reply-to')[0]),
    references: messageIds(fields(e, 'references')[0]),
  };
}

/** The header fields RFC 9788 protects (and this reader shows). */
const SHOWN = ['from', 'to', 'cc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references'];

const normalized = (name: string, value: string) => `${name.toLowerCase()}: ${value.replace(/\s+/g, ' ').trim()}`;

/**
 * The header fields to show for a message whose payload root is `inner` (RFC 9788 §4.2): with
 * `hp`, the inner fields alone, and every shown outer field not listed in HP-Outer is reported as
 * injected on the way; with legacy `protected-headers="v1"`, inner over outer; else the outer ones.
 */
export function protectedHeaders(
  outer: Pick<MimeEntity, 'headers'>,
  inner: Pick<MimeEntity, 'headers' | 'params'> | null,
): { headers: ReadHeaders; protection: 'rfc9788' | 'v1' | 'none'; injected: string[] } {
  const outerView = readHeaderFields(outer);
  if (!inner) return { headers: outerView, protection: 'none', injected: [] };
  if (inner.params.hp === 'cipher' || inner.params.hp === 'clear') {
    const innerView = readHeaderFields(inner);
    const listed = new Set(
      fields(inner, 'hp-outer').map((v) => {
        const colon = v.indexOf(':');
        return colon < 0 ? '' : normalized(v.slice(0, colon), v.slice(colon + 1));
      }),
    );
    const injected =
      inner.params.hp === 'cipher'
        ? outer.headers
            .filter(([n, v]) => SHOWN.includes(n) && !listed.has(normalized(n, v)))
            .map(([n, v]) => `${n}: ${v}`)
        : [];
    // Date and Message-ID are not secret: a sender that leaves them out inside keeps the outer ones.
    return {
      headers: {
        ...innerView,
        date: innerView.date ?? outerView.date,
        messageId: innerView.messageId ?? outerView.messageId,
      },
      protection: 'rfc9788',
      injected,
    };
  }
  if (inner.params['protected-headers'] === 'v1') {
    const present = (name: string) => fields(inner, name).length > 0;
    const innerView = readHeaderFields(inner);
    return {
      headers: {
        from: present('from') ? innerView.from : outerView.from,
        severalFrom: present('from') ? innerView.severalFrom : outerView.severalFrom,
        to: present('to') ? innerView.to : outerView.to,
        cc: present('cc') ? innerView.cc : outerView.cc,
        replyTo: present('reply-to') ? innerView.replyTo : outerView.replyTo,
        subject: present('subject') ? innerView.subject : outerView.subject,
        date: innerView.date ?? outerView.date,
        messageId: innerView.messageId ?? outerView.messageId,
        inReplyTo: present('in-reply-to') ? innerView.inReplyTo : outerView.inReplyTo,
        references: present('references') ? innerView.references : outerView.references,
      },
      protection: 'v1',
      injected: [],
    };
  }
  return { headers: outerView, protection: 'none', injected: [] };
}

/** Autocrypt Level 1 §2.1: a header larger than this is invalid. */
const MAX_AUTOCRYPT_HEADER = 10 * 1024;

function autocryptAttributes(value: string): Record<string, string> | null {
  if (value.length > MAX_AUTOCRYPT_HEADER) return null;
  const attributes: Record<string, string> = {};
  for (const piece of value.split(';')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    const content = piece.slice(eq + 1).trim();
    if (name in attributes) return null;
    attributes[name] = name === 'keydata' ? content.replace(/\s+/g, '') : content;
  }
  return attributes;
}

const KNOWN = new Set(['addr', 'prefer-encrypt', 'keydata']);

/** A valid Autocrypt header: addr, keydata, only known or `_`-prefixed (non-critical) attributes. */
function validAutocrypt(value: string): { address: string; keydata: string; preferEncrypt: boolean } | null {
  const a = autocryptAttributes(value);
  if (!a?.addr || !a.keydata || !/^[A-Za-z0-9+/]+=*$/.test(a.keydata)) return null;
  if (Object.keys(a).some((name) => !KNOWN.has(name) && !name.startsWith('_'))) return null;
  return { address: asciiLower(a.addr.trim()), keydata: a.keydata, preferEncrypt: a['prefer-encrypt'] === 'mutual' };
}

/**
 * Autocrypt Level 1 intake: the sender's header only when it is the one valid header and its addr
 * is the (single) From address; gossip only from a signed and encrypted payload, and only for
 * addresses in To or Cc.
 */
export function autocryptIntake(
  outer: Pick<MimeEntity, 'headers'>,
  payloadRoot: Pick<MimeEntity, 'headers'> | null,
  headers: ReadHeaders,
  signedAndEncrypted: boolean,
): AutocryptIntake {
  const from = headers.severalFrom || headers.from.length !== 1 ? null : asciiLower(headers.from[0]!.address);
  const valid = fields(outer, 'autocrypt')
    .map(validAutocrypt)
    .filter((h) => h !== null);
  const header = from && valid.length === 1 && valid[0]!.address === from ? valid[0]! : null;
  const recipients = new Set([...headers.to, ...headers.cc].map((m) => asciiLower(m.address)));
  const gossip =
    signedAndEncrypted && payloadRoot
      ? fields(payloadRoot, 'autocrypt-gossip')
          .map(validAutocrypt)
          .filter((g) => g !== null && recipients.has(g.address) && g.address !== from)
          .map((g) => ({ address: g!.address, keydata: g!.keydata }))
      : [];
  return { header, gossip };
}
