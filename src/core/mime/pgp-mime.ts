import { AppError } from '../errors/app-error';
import { formatMailbox } from './addresses';
import {
  addBody,
  AttachmentSlots,
  envelopeRecipients,
  formatRfc5322Date,
  type MessageInput,
  MimeNode,
  threadingFields,
} from './build-message';
import { PROTECTED_SUBJECT } from './header-protection';
import type { PayloadPart } from './payload-parts';
import { assertSevenBitMessage } from './seven-bit';

export type HeaderField = [name: string, value: string];

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** Header fields encoded and folded by the MIME library (RFC 2047 words for non-ASCII). */
function encodeHeaderFields(fields: HeaderField[]): string {
  const node = new MimeNode('text/plain');
  for (const [name, value] of fields) node.addHeader(name, value);
  // Without a body the library writes no blank line: the header section is everything.
  const built = node.build();
  const end = built.indexOf('\r\n\r\n');
  const section = end < 0 ? built.replace(/\r\n$/, '') : built.slice(0, end);
  // Drop what the library adds for a body we do not have (Content-Type, and Date/Message-Id/MIME-Version unless given).
  const given = new Set(fields.map(([n]) => n.toLowerCase()));
  const lines: string[] = [];
  for (const line of section.split('\r\n')) {
    const name = /^([^:\s]+):/.exec(line)?.[1]?.toLowerCase();
    if (name !== undefined) lines.push(line);
    else if (lines.length) lines[lines.length - 1] += `\r\n${line}`;
  }
  return lines.filter((l) => given.has(/^([^:]+):/.exec(l)![1]!.toLowerCase())).join('\r\n');
}

/** The visible header fields of a protected message; the Subject is replaced when encrypted. */
function outerFields(
  input: MessageInput,
  subject: string,
  extra: HeaderField[] = input.extraHeaders ?? [],
  withBcc = false,
): HeaderField[] {
  const list = (name: string, people: MessageInput['to']): HeaderField[] =>
    people.length ? [[name, people.map(formatMailbox).join(', ')]] : [];
  return [
    ['From', formatMailbox(input.from)],
    ...list('To', input.to),
    ...list('Cc', input.cc),
    ...(withBcc ? list('Bcc', input.bcc) : []),
    ['Subject', subject],
    ['Date', formatRfc5322Date(input.date)],
    ['Message-ID', input.messageId],
    ...threadingFields(input),
    ...extra,
    ['MIME-Version', '1.0'],
  ];
}

/**
 * The cryptographic payload (RFC 9788 §2): the message's text and attachments with copies of its
 * user-facing header fields; `hp="cipher"` plus HP-Outer lines when encrypted, `hp="clear"` when
 * only signed, and the legacy `protected-headers="v1"` that Thunderbird-era readers know.
 * Bcc is copied in only for a draft (`draft`, with the draft's own header fields): a draft is
 * encrypted to its author alone. CRLF, 7-bit, lines starting "From " escaped (signatures survive mbox).
 */
export function buildPayloadParts(
  input: MessageInput,
  mode: 'cipher' | 'clear' | 'none',
  draft?: { headers: HeaderField[] },
): PayloadPart[] {
  const multipart = input.attachments.length > 0;
  const params = mode === 'none' ? '' : `; protected-headers="v1"; hp="${mode}"`;
  const root = new MimeNode(multipart ? `multipart/mixed${params}` : `text/plain; charset=utf-8${params}`, {
    baseBoundary: `${input.baseBoundary}-payload`,
    includeBccInHeader: !!draft,
  });
  // With mode 'none' (header protection turned off) the MIME library still adds Date, Message-Id
  // and MIME-Version to a root entity; they repeat the outer values and reveal nothing new.
  const inner: HeaderField[] =
    mode === 'none'
      ? []
      : outerFields(input, input.subject, draft?.headers ?? [], !!draft).filter(([n]) => n !== 'MIME-Version');
  for (const [name, value] of inner) root.addHeader(name, value);
  if (mode === 'cipher') {
    for (const [name, value] of outerFields(input, PROTECTED_SUBJECT, []).filter(([n]) => n !== 'MIME-Version'))
      root.addHeader('HP-Outer', `${name}: ${value}`);
  }
  const slots = new AttachmentSlots();
  addBody(root, input, slots);
  const payload = crlf(root.build()).replace(/^From /gm, '=46rom ');
  assertSevenBitMessage(new TextEncoder().encode(payload));
  return slots.split(payload.endsWith('\r\n') ? payload : `${payload}\r\n`);
}

/** `micalg` from the hash the signature really used (RFC 3156 §5), e.g. sha512 → pgp-sha512. */
export function micalgFor(hashName: string): string {
  const name = hashName.toLowerCase().replace('_', '-');
  if (name === 'sha1' || name === 'md5')
    throw new AppError('mime/invalid-input', `Refusing to produce a ${name} signature`);
  return `pgp-${name}`;
}

export type BuiltPgpMessage<B extends Uint8Array | Blob = Uint8Array> = {
  bytes: B;
  envelope: { mailFrom: string; rcptTo: string[] };
};

/**
 * RFC 3156 §4: `multipart/encrypted` around one ASCII-armored OpenPGP message. With header
 * protection the outer Subject is the placeholder; without it (a setting) the real one shows.
 */
export function wrapEncrypted(input: MessageInput, armoredMessage: Blob, protectHeaders = true): BuiltPgpMessage<Blob> {
  const boundary = `enc-${input.baseBoundary}`;
  const head = encodeHeaderFields(outerFields(input, protectHeaders ? PROTECTED_SUBJECT : input.subject));
  const before = new TextEncoder().encode(
    `${head}\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n boundary="${boundary}"\r\n\r\n` +
      `This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n` +
      `--${boundary}\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n` +
      `--${boundary}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename="encrypted.asc"\r\n\r\n`,
  );
  const after = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  // The armor is ASCII with CRLF line ends already; only the header part needs checking.
  assertSevenBitMessage(before);
  return {
    bytes: new Blob([before, armoredMessage, after], { type: 'message/rfc822' }),
    envelope: { mailFrom: input.from.address, rcptTo: envelopeRecipients([input.to, input.cc, input.bcc]) },
  };
}

/**
 * RFC 3156 §5: `multipart/signed`. `signedPart` is exactly what was signed; the CRLF before the
 * next delimiter belongs to the delimiter, so the part's bytes come back out unchanged. A signed
 * part built from payload parts is 7-bit by construction (payloadChunks refuses anything else).
 */
export function wrapSigned(
  input: MessageInput,
  signedPart: Blob | string,
  armoredSignature: string,
  micalg: string,
): BuiltPgpMessage<Blob> {
  const boundary = `sig-${input.baseBoundary}`;
  const head = encodeHeaderFields(outerFields(input, input.subject));
  const before = new TextEncoder().encode(
    `${head}\r\nContent-Type: multipart/signed; micalg="${micalg}";\r\n protocol="application/pgp-signature"; boundary="${boundary}"\r\n\r\n` +
      `This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n` +
      `--${boundary}\r\n`,
  );
  const after = new TextEncoder().encode(
    `\r\n--${boundary}\r\n` +
      `Content-Type: application/pgp-signature; name="signature.asc"\r\nContent-Description: OpenPGP digital signature\r\nContent-Disposition: attachment; filename="signature.asc"\r\n\r\n` +
      `${crlf(armoredSignature).replace(/\r\n$/, '')}\r\n--${boundary}--\r\n`,
  );
  assertSevenBitMessage(before);
  assertSevenBitMessage(after);
  const signed = typeof signedPart === 'string' ? new TextEncoder().encode(signedPart) : signedPart;
  if (signed instanceof Uint8Array) assertSevenBitMessage(signed);
  return {
    bytes: new Blob([before, signed, after], { type: 'message/rfc822' }),
    envelope: { mailFrom: input.from.address, rcptTo: envelopeRecipients([input.to, input.cc, input.bcc]) },
  };
}

/** The Autocrypt header value (Autocrypt Level 1 §2.1): keydata last, base64 folded by the encoder. */
export function autocryptHeader(address: string, keydata: Uint8Array): HeaderField {
  let binary = '';
  for (const b of keydata) binary += String.fromCharCode(b);
  const base64 = btoa(binary)
    .replace(/(.{72})/g, '$1 ')
    .trim();
  return ['Autocrypt', `addr=${address}; prefer-encrypt=mutual; keydata=${base64}`];
}
