import { addressKey, formatMailbox, type Mailbox } from '../mime/addresses';
import type { OpenedMessage } from './types';

export type AnswerKind = 'reply' | 'reply-all' | 'forward';

export type Answer<Content> = {
  to: Mailbox[];
  cc: Mailbox[];
  subject: string;
  /** The quoted original, put below the (empty) new text. */
  quote: string;
  inReplyTo: string[];
  references: string[];
  /** On when the original was encrypted (Autocrypt, reading.md §7); otherwise the composer decides. */
  encrypt: boolean | null;
  keyword: '$answered' | '$forwarded';
  /** The user's own address the original was sent to: the identity to answer from. */
  ownAddress: string | null;
  attachments: { name: string; type: string; content: Content }[];
};

const REPLY_PREFIX = /^(\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+/i;
const FORWARD_PREFIX = /^(\s*(fwd?|wg|tr)\s*:\s*)+/i;

/** The text the reader shows, as one string (HTML reduced to its text). */
function shownText(opened: Pick<OpenedMessage<unknown>, 'parts'>): string {
  return opened.parts
    .map((p) =>
      p.kind === 'text'
        ? p.content
        : p.content
            .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
            .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
            .replace(/<[^>]*>/g, '')
            .replace(/&nbsp;/g, ' ')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .replace(/&amp;/g, '&'),
    )
    .join('\n')
    .replace(/\r\n/g, '\n')
    .replace(/\n+$/, '');
}

const unique = (list: Mailbox[], without: Set<string>) => {
  const seen = new Set(without);
  return list.filter((m) => {
    const key = addressKey(m.address);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * Reply, Reply all or Forward, from what the reader established: recipients, threading and the
 * subject come from the protected header fields, never from outer ones a relay could have added.
 * `own`: every address of the account, never added as a recipient by Reply all.
 */
export function answer<Content>(
  opened: Pick<OpenedMessage<Content>, 'headers' | 'parts' | 'attachments' | 'encryption'>,
  kind: AnswerKind,
  own: string[],
): Answer<Content> {
  const h = opened.headers;
  const ownKeys = new Set(own.map(addressKey));
  const isOwn = (m: Mailbox) => ownKeys.has(addressKey(m.address));
  const text = shownText(opened);
  const from = h.from.map(formatMailbox).join(', ') || 'someone';
  const date = h.date ? new Date(h.date).toUTCString() : null;
  const ownAddress = [...h.to, ...h.cc].find(isOwn)?.address ?? h.from.find(isOwn)?.address ?? null;
  const references = h.messageId ? [...h.references.filter((r) => r !== h.messageId), h.messageId] : h.references;
  const base = {
    encrypt: opened.encryption === 'encrypted' ? true : null,
    ownAddress,
  };
  if (kind === 'forward') {
    const head = [
      '---------- Forwarded message ----------',
      `From: ${from}`,
      ...(date ? [`Date: ${date}`] : []),
      `Subject: ${h.subject}`,
      ...(h.to.length ? [`To: ${h.to.map(formatMailbox).join(', ')}`] : []),
      ...(h.cc.length ? [`Cc: ${h.cc.map(formatMailbox).join(', ')}`] : []),
    ];
    return {
      ...base,
      to: [],
      cc: [],
      subject: `Fwd: ${h.subject.replace(FORWARD_PREFIX, '')}`,
      quote: `${head.join('\n')}\n\n${text}\n`,
      inReplyTo: [],
      references: [],
      keyword: '$forwarded',
      attachments: opened.attachments
        .filter((a) => a.type !== 'application/pgp-encrypted')
        .map((a) => ({ name: a.name, type: a.type, content: a.content })),
    };
  }
  // An answer to one's own (sent) message goes to its recipients again.
  const fromSelf = h.from.length > 0 && h.from.every(isOwn);
  const to = unique(fromSelf ? h.to : h.replyTo.length ? h.replyTo : h.from, new Set());
  const cc =
    kind === 'reply-all'
      ? unique(
          [...(fromSelf ? [] : h.to), ...h.cc].filter((m) => !isOwn(m)),
          new Set(to.map((m) => addressKey(m.address))),
        )
      : [];
  const quoted = text
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
  return {
    ...base,
    to: to.filter((m) => !isOwn(m) || fromSelf),
    cc,
    subject: `Re: ${h.subject.replace(REPLY_PREFIX, '')}`,
    quote: `${date ? `On ${date}, ` : ''}${from} wrote:\n${quoted}\n`,
    inReplyTo: h.messageId ? [h.messageId] : [],
    references,
    keyword: '$answered',
    attachments: [],
  };
}
