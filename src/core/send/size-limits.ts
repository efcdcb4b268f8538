import { formatBytes } from '../jmap/client';
import type { JmapSession } from '../jmap/session';

/**
 * What the server says a message may weigh, in octets (null: it names no limit).
 * `upload`: RFC 8620 core `maxSizeUpload`, the whole message as uploaded. `smtp`: the SIZE
 * (RFC 1870) the submission server announces in `submissionExtensions`, which refuses a larger
 * message only after it was built and uploaded. `attachments`: RFC 8621 `maxSizeAttachmentsPerEmail`;
 * servers apply it to Emails they assemble (Cyrus 3.6 advertises 10 MiB and still imports and sends
 * larger messages), so it is shown as a warning and never blocks Send.
 */
export type SizeLimits = { upload: number | null; smtp: number | null; attachments: number | null };

const positive = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

/** The SMTP SIZE argument; EHLO keywords are case-insensitive, and SIZE 0 means no fixed limit. */
function smtpSize(extensions: unknown): number | null {
  if (typeof extensions !== 'object' || extensions === null) return null;
  for (const [keyword, args] of Object.entries(extensions)) {
    if (keyword.toUpperCase() !== 'SIZE' || !Array.isArray(args)) continue;
    const arg: unknown = args[0];
    return typeof arg === 'string' && /^\d{1,15}$/.test(arg) ? positive(Number(arg)) : null;
  }
  return null;
}

/** Read from what the server sent, which may leave out any of it. */
export function sizeLimitsOf(session: Partial<Pick<JmapSession, 'core' | 'mail' | 'submission'>>): SizeLimits {
  return {
    upload: positive(session.core?.maxSizeUpload),
    smtp: smtpSize(session.submission?.submissionExtensions),
    attachments: positive(session.mail?.maxSizeAttachmentsPerEmail),
  };
}

/** Base64 of `n` bytes in lines of `width` characters separated by CRLF, as the builders write it. */
function base64Lines(n: number, width: number): number {
  if (n === 0) return 0;
  const characters = 4 * Math.ceil(n / 3);
  return characters + 2 * (Math.ceil(characters / width) - 1);
}

/**
 * A size the message with these attachments cannot be under: their base64 bodies (76 columns),
 * and when encrypted, those inside the armored ciphertext (64 columns). Headers, text and packet
 * overhead only add to it, so a limit below this figure refuses the message for certain.
 */
export function minimumMessageSize(fileSizes: number[], encrypted: boolean): number {
  const entity = fileSizes.reduce((sum, size) => sum + base64Lines(size, 76), 0);
  return encrypted ? base64Lines(entity, 64) : entity;
}

/**
 * Why a message of at least `minimum` octets cannot be sent (or, `draft`, stored as a draft, which
 * is only uploaded), in words, or null when it may fit. The tighter limit is named.
 */
export function sizeProblem(
  minimum: number,
  encrypted: boolean,
  limits: SizeLimits,
  purpose: 'send' | 'draft' = 'send',
): string | null {
  const hard = [
    ...(purpose === 'send' ? [{ limit: limits.smtp, what: 'the mail server sends messages of at most' }] : []),
    { limit: limits.upload, what: 'the server accepts uploads of at most' },
  ].flatMap(({ limit, what }) => (limit !== null && minimum > limit ? [{ limit, what }] : []));
  if (!hard.length) return null;
  const { limit, what } = hard.reduce((a, b) => (b.limit < a.limit ? b : a));
  const it = purpose === 'send' ? 'this message' : 'this draft';
  return `With its attachments ${it} is at least ${formatBytes(minimum)}${encrypted ? ' encrypted' : ''}, and ${what} ${formatBytes(limit)}. Remove attachments to ${purpose === 'send' ? 'send' : 'save'} it.`;
}

/**
 * The server's advisory limit on attachments, when this message passes it (see SizeLimits). An
 * encrypted message shows the server one attachment, the armored ciphertext.
 */
export function attachmentsWarning(fileSizes: number[], encrypted: boolean, limits: SizeLimits): string | null {
  const seen = encrypted ? minimumMessageSize(fileSizes, true) : fileSizes.reduce((sum, size) => sum + size, 0);
  if (limits.attachments === null || seen <= limits.attachments) return null;
  return `The attachments come to ${formatBytes(seen)}${encrypted ? ' encrypted' : ''}; the server says it takes at most ${formatBytes(limits.attachments)} per message, so it may refuse this one.`;
}

/** The check made with the built message's exact size, before it is uploaded for sending. */
export function exactSizeProblem(size: number, limits: SizeLimits): string | null {
  if (limits.smtp !== null && size > limits.smtp)
    return `The mail server sends messages of at most ${formatBytes(limits.smtp)}; this message is ${formatBytes(size)}.`;
  return null;
}
