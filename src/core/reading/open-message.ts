import { readAllBytes } from '../bytes/join';
import PostalMime, { type Email } from 'postal-mime';
import { isAppError } from '../errors/app-error';
import type { CryptoApi, SignatureCheck, StreamingCryptoApi } from '../crypto/types';
import { asciiLower } from '../mime/addresses';
import { autocryptIntake, protectedHeaders } from './message-headers';
import { decodeBase64 } from '../mime/base64';
import { byteString, header, type MimeEntity, parseEntity } from './mime-tree';
import { openStreamed, sessionKeyPackets, type SignedPart, type StreamedOpening } from './streamed-decryption';
import type { OpenedMessage, ReadHeaders, ShownAttachment, ShownPart, SignatureStatus } from './types';

export type ReadingCrypto = Pick<CryptoApi, 'encryptedFor' | 'openEncrypted' | 'verifyDetached' | 'verifyCleartext'> &
  StreamingCryptoApi;

/** A received message: its bytes, or a way to download them (again) as a stream. */
export type RawMessage = Uint8Array | (() => Promise<ReadableStream<Uint8Array>>);

export type OpenMessageOptions = {
  /** Public keys whose signatures are checked: the From address's keys, and any asked for by issuer. */
  verifyWith: string[];
  /** The fingerprint pinned for the From address, if any: a good signature by another key is `changed`. */
  pinned: string | null;
  /** The largest message the account may receive: decompression stops there. */
  maxDecompressedBytes: number;
  /** The page found no secret key for the message (`no-key`), or the user did not unlock it (`locked`). */
  cannotDecrypt?: 'no-key' | 'locked';
};

const ARMORED_MESSAGE = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;
const CLEARTEXT_BLOCK =
  /-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/;
const ARMORED_SIGNATURE = /-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/;

/**
 * A message or payload; `files`: bodies decoded as they arrived, by the stand-in left in their
 * place; `signedPart`: the exact bytes of the root's signed part, when they were kept apart.
 */
type Source = { bytes: Uint8Array; text: string; files?: Map<string, Blob>; signedPart?: SignedPart };

const source = (bytes: Uint8Array, files?: Map<string, Blob>, signedPart?: SignedPart | null): Source => ({
  bytes,
  text: byteString(bytes),
  ...(files ? { files } : {}),
  ...(signedPart ? { signedPart } : {}),
});

/** Pieces the size a download arrives in, so bytes in hand take the path a download takes. */
const DOWNLOAD_PIECE = 64 * 1024;

const streamOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += DOWNLOAD_PIECE)
        controller.enqueue(bytes.subarray(at, at + DOWNLOAD_PIECE));
      controller.close();
    },
  });

const isPgpEncrypted = (e: MimeEntity) =>
  e.type === 'multipart/encrypted' &&
  e.params.protocol?.toLowerCase() === 'application/pgp-encrypted' &&
  e.children.length === 2;

const isPgpSigned = (e: MimeEntity) =>
  e.type === 'multipart/signed' &&
  e.params.protocol?.toLowerCase() === 'application/pgp-signature' &&
  e.children.length === 2;

const transferEncoding = (e: MimeEntity) => header(e, 'content-transfer-encoding')?.toLowerCase().trim();

/** A part's body with its transfer encoding undone (armor is 7-bit, but some senders base64 it). */
function bodyText(src: Source, e: MimeEntity): string {
  const body = src.text.slice(e.bodyStart, e.end);
  const encoding = transferEncoding(e);
  if (encoding === 'base64') {
    try {
      return atob(body.replace(/[^A-Za-z0-9+/=]/g, ''));
    } catch {
      return '';
    }
  }
  if (encoding === 'quoted-printable')
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return body;
}

/** RFC 3156 §5: the signed part's exact bytes, line ends made CRLF as they were signed. */
function signedBytes(src: Source, e: MimeEntity): Uint8Array {
  const text = src.text.slice(e.start, e.end);
  if (!/(^|[^\r])\n/.test(text)) return src.bytes.subarray(e.start, e.end);
  return Uint8Array.from(text.replace(/\r?\n/g, '\r\n'), (c) => c.charCodeAt(0));
}

/** Text of decrypted inline data: UTF-8, else the armor's Charset, else Latin-1. */
function decodeInline(bytes: Uint8Array, armored: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const charset = /^Charset:\s*(\S+)/im.exec(armored)?.[1];
    try {
      return new TextDecoder(charset ?? 'latin1').decode(bytes);
    } catch {
      return new TextDecoder('latin1').decode(bytes);
    }
  }
}

const withoutArmorIndent = (s: string) => s.replace(/^\s+|\s+$/g, '');

type Walk = {
  parts: ShownPart[];
  attachments: ShownAttachment<Content>[];
  /** A ciphertext somewhere other than the root: shown as an attachment, never decrypted inline. */
  partialEncrypted: boolean;
  /** A signature covering only some parts. */
  partlySigned: boolean;
  checks: SignatureCheck[];
};

type Cover = { encrypted: boolean; signature: SignatureCheck[] | null };
type Content = Uint8Array | Blob;

const covered = (cover: Cover) => ({ encrypted: cover.encrypted, signed: cover.signature !== null });

/**
 * Open a received message: decrypt and verify in place, and say what is true of it. Only a root
 * (or whole-body inline) ciphertext is decrypted; only a root (or whole-body) signature makes the
 * message signed; any integrity failure means no plaintext at all. Runs in the worker.
 * Every message is read as it downloads, its files decoded into Blobs on the way, and a PGP/MIME
 * encrypted one is decrypted as it downloads (streamed-decryption.ts); should the finished
 * skeleton not be the PGP/MIME message the stream took it for, the message is downloaded again
 * and read whole.
 */
export async function openMessage(
  raw: RawMessage,
  crypto: ReadingCrypto,
  options: OpenMessageOptions,
): Promise<OpenedMessage<Blob>> {
  const download = typeof raw === 'function' ? raw : async () => streamOf(raw);
  const streamed = await openStreamed(await download(), crypto, options);
  const readWhole = async () => openRead(source(await readAllBytes(await download())), null, crypto, options);
  const opened =
    streamed.kind === 'undecrypted'
      ? signedPartAgrees(streamed)
        ? await openRead(source(streamed.skeleton, streamed.files, streamed.signedPart), null, crypto, options)
        : await readWhole()
      : agreesWithParse(streamed)
        ? await openRead(source(streamed.outer), streamed, crypto, options)
        : await readWhole();
  return {
    ...opened,
    attachments: opened.attachments.map((a) => ({
      ...a,
      // Never rendered by the browser from the app's origin: a download, whatever the sender called it.
      content: new Blob([a.content as Uint8Array<ArrayBuffer> | Blob], { type: 'application/octet-stream' }),
    })),
  };
}

/**
 * The stream kept a PGP/MIME signed message's signed part apart (and took the files out of it):
 * parseEntity finds that part where the stream did, so what is shown is what the signature covers.
 */
function signedPartAgrees(streamed: Extract<StreamedOpening, { kind: 'undecrypted' }>): boolean {
  const part = streamed.signedPart;
  if (!part) return true;
  const root = parseEntity(byteString(streamed.skeleton));
  const first = root.children[0];
  return isPgpSigned(root) && first?.start === part.start && first.end === part.end;
}

/** The stream took the message for PGP/MIME encrypted: so does parseEntity, with the armor where it was. */
function agreesWithParse(streamed: Exclude<StreamedOpening, { kind: 'undecrypted' }>): boolean {
  const outer = source(streamed.outer);
  const root = parseEntity(outer.text);
  if (!isPgpEncrypted(root)) return false;
  const armorPart = root.children[1]!;
  return outer.text.slice(armorPart.bodyStart, armorPart.end) === streamed.stand;
}

async function openRead(
  outerSource: Source,
  streamed: Exclude<StreamedOpening, { kind: 'undecrypted' }> | null,
  crypto: ReadingCrypto,
  options: OpenMessageOptions,
): Promise<OpenedMessage<Content>> {
  const root = parseEntity(outerSource.text);
  const walk: Walk = { parts: [], attachments: [], partialEncrypted: false, partlySigned: false, checks: [] };
  let encrypted = false;
  let rootSignature: SignatureCheck[] | null = null;
  let contentSource = outerSource;
  let content = root;
  let payloadRoot: MimeEntity | null = null;

  const failed = (problem: string, status: 'failed' | 'no-key' | 'locked' = 'failed'): OpenedMessage<Content> => {
    const { headers, protection, injected } = protectedHeaders(root, null);
    return {
      encryption: status,
      encryptionProblem: problem,
      signature: 'unsigned',
      signatureDetail: null,
      signatureWarning: null,
      signer: null,
      unknownIssuers: [],
      headers,
      headerProtection: protection,
      injectedHeaders: injected,
      parts: [],
      attachments: [],
      autocrypt: autocryptIntake(root, null, headers, false),
    };
  };

  const decryptOrFail = async (data: string) => {
    try {
      return await crypto.openEncrypted(data, {
        verifyWith: options.verifyWith,
        maxDecompressedBytes: options.maxDecompressedBytes,
      });
    } catch (e) {
      if (isAppError(e, 'crypto/key-locked')) throw e;
      return { error: isAppError(e) ? (e.detail ?? e.message) : String(e) };
    }
  };

  if (streamed) {
    if (streamed.kind === 'failed') return failed(streamed.problem);
    encrypted = true;
    rootSignature = streamed.signatures.length ? streamed.signatures : null;
    contentSource = source(streamed.payload, streamed.files);
    content = parseEntity(contentSource.text);
    payloadRoot = content;
  } else if (isPgpEncrypted(root)) {
    const armored = ARMORED_MESSAGE.exec(bodyText(outerSource, root.children[1]!))?.[0];
    if (!armored) return failed('The encrypted part holds no OpenPGP message.');
    if (options.cannotDecrypt) return failed(cannotDecryptText(options.cannotDecrypt), options.cannotDecrypt);
    const opened = await decryptOrFail(armored);
    if ('error' in opened) return failed(opened.error);
    encrypted = true;
    rootSignature = opened.signatures.length ? opened.signatures : null;
    contentSource = source(opened.payload);
    content = parseEntity(contentSource.text);
    payloadRoot = content;
  }
  if (isPgpSigned(content)) {
    const checks = await verifySigned(contentSource, content, crypto, options.verifyWith);
    rootSignature = [...(rootSignature ?? []), ...checks];
    payloadRoot ??= content.children[0]!;
    content = content.children[0]!;
  }

  const { headers, protection, injected } = protectedHeaders(root, payloadRoot ?? (encrypted ? content : null));
  const cover: Cover = { encrypted, signature: rootSignature };

  // Whole-body inline OpenPGP at the root: decrypted or verified as the message itself.
  const inline =
    !encrypted && rootSignature === null && isInlineCandidate(content) ? await leafText(contentSource, content) : null;
  const inlineArmor = inline !== null ? withoutArmorIndent(inline) : '';
  if (inline !== null && ARMORED_MESSAGE.exec(inlineArmor)?.[0] === inlineArmor) {
    if (options.cannotDecrypt) return failed(cannotDecryptText(options.cannotDecrypt), options.cannotDecrypt);
    const opened = await decryptOrFail(inlineArmor);
    if ('error' in opened) return failed(opened.error);
    encrypted = true;
    rootSignature = opened.signatures.length ? opened.signatures : null;
    walk.parts.push({
      kind: 'text',
      content: decodeInline(opened.payload, inlineArmor),
      encrypted: true,
      signed: !!rootSignature,
    });
  } else if (inline !== null && CLEARTEXT_BLOCK.exec(inlineArmor)?.[0] === inlineArmor) {
    const verified = await crypto.verifyCleartext(inlineArmor, options.verifyWith);
    rootSignature = verified.signatures;
    walk.parts.push({ kind: 'text', content: verified.text, encrypted: false, signed: true });
  } else {
    await walkEntity(contentSource, dropLegacyDisplay(content, encrypted), cover, walk, crypto, options.verifyWith);
  }

  const judged = rootSignature ? judgeSignatures(rootSignature, headers, options.pinned) : null;
  const unknownIssuers = [...(rootSignature ?? []), ...walk.checks]
    .filter((c) => c.result === 'no-key')
    .map((c) => c.issuer);
  const signature: Exclude<SignatureStatus, 'pending'> = judged
    ? judged.status
    : walk.partlySigned
      ? 'partial'
      : 'unsigned';
  return {
    encryption: encrypted ? 'encrypted' : walk.partialEncrypted ? 'partial' : 'none',
    encryptionProblem: null,
    signature,
    signatureDetail: judged?.detail ?? (signature === 'partial' ? 'Only some parts of this message are signed.' : null),
    signatureWarning: judged ? dateMismatch(judged.check, headers) : null,
    signer: judged?.check
      ? {
          fingerprint: judged.check.signer?.fingerprint ?? judged.check.issuerFingerprint,
          issuer: judged.check.issuer,
          addresses: judged.check.signer?.addresses ?? [],
          created: judged.check.created,
        }
      : null,
    unknownIssuers: [...new Set(unknownIssuers)],
    headers,
    headerProtection: protection,
    injectedHeaders: injected,
    parts: walk.parts,
    attachments: walk.attachments,
    autocrypt: autocryptIntake(root, payloadRoot, headers, encrypted && judged?.status === 'valid'),
  };
}

const cannotDecryptText = (why: 'no-key' | 'locked') =>
  why === 'no-key'
    ? 'This message is encrypted to a key that is not in this browser’s keystore.'
    : 'The key was not unlocked, so the message stays closed.';

/**
 * The key IDs the message's root ciphertext is encrypted to; none when its root is not encrypted.
 * Of a PGP/MIME message only the head is read, up to its session-key packets.
 */
export async function rootKeyIds(
  raw: RawMessage,
  crypto: Pick<CryptoApi, 'encryptedFor'>,
  /** Given the message when it had to be read whole, to be opened without downloading it again. */
  readWhole?: (raw: Uint8Array) => void,
): Promise<string[]> {
  const head = await sessionKeyPackets(typeof raw === 'function' ? await raw() : streamOf(raw));
  if ('packets' in head) {
    if (!head.packets.length) return [];
    return crypto.encryptedFor(head.packets).catch(() => []);
  }
  readWhole?.(head.whole);
  const src = source(head.whole);
  const root = parseEntity(src.text);
  let armored: string | undefined;
  if (isPgpEncrypted(root)) armored = ARMORED_MESSAGE.exec(bodyText(src, root.children[1]!))?.[0];
  else if (isInlineCandidate(root)) {
    const text = withoutArmorIndent((await leafText(src, root)) ?? '');
    if (ARMORED_MESSAGE.exec(text)?.[0] === text) armored = text;
  }
  if (!armored) return [];
  try {
    return await crypto.encryptedFor(armored);
  } catch {
    return []; // unreadable: openMessage reports it as failed
  }
}

const isInlineCandidate = (e: MimeEntity) =>
  e.type === 'text/plain' && !/^attachment/i.test(header(e, 'content-disposition') ?? '');

/** A leaf decoded by the MIME library, once: the root leaf is read for inline OpenPGP and then shown. */
const decodedLeaves = new WeakMap<MimeEntity, Promise<Email>>();
function decodeLeaf(src: Source, e: MimeEntity): Promise<Email> {
  let decoded = decodedLeaves.get(e);
  if (!decoded) decodedLeaves.set(e, (decoded = PostalMime.parse(src.bytes.subarray(e.start, e.end))));
  return decoded;
}

async function leafText(src: Source, e: MimeEntity): Promise<string | null> {
  return (await decodeLeaf(src, e)).text ?? null;
}

async function verifySigned(
  src: Source,
  e: MimeEntity,
  crypto: ReadingCrypto,
  verifyWith: string[],
): Promise<SignatureCheck[]> {
  const signature = ARMORED_SIGNATURE.exec(bodyText(src, e.children[1]!))?.[0];
  if (!signature) return [badSignature('The signature part holds no OpenPGP signature.')];
  try {
    const part = e.children[0]!;
    const kept = src.signedPart;
    const signed = kept && kept.start === part.start && kept.end === part.end ? kept.bytes : signedBytes(src, part);
    return await crypto.verifyDetached(signed, signature, verifyWith);
  } catch (err) {
    return [badSignature(isAppError(err) ? (err.detail ?? err.message) : String(err))];
  }
}

const badSignature = (problem: string): SignatureCheck => ({
  issuer: '',
  issuerFingerprint: null,
  created: null,
  hash: 'unknown',
  result: 'bad',
  problem,
  signer: null,
});

/**
 * RFC 9788 §4.5.3: the legacy display element (the header fields repeated as text for readers
 * that do not know header protection) is dropped, but only inside a decrypted payload.
 */
function dropLegacyDisplay(e: MimeEntity, decrypted: boolean): MimeEntity {
  if (!decrypted || e.type !== 'multipart/mixed') return e;
  const [first, ...rest] = e.children;
  if (!first) return e;
  const legacy =
    first.params['hp-legacy-display'] === '1' ||
    (first.type === 'text/rfc822-headers' && first.params['protected-headers'] === 'v1');
  return legacy ? { ...e, children: rest } : e;
}

async function walkEntity(
  src: Source,
  e: MimeEntity,
  cover: Cover,
  walk: Walk,
  crypto: ReadingCrypto,
  verifyWith: string[],
): Promise<void> {
  if (isPgpEncrypted(e)) {
    // EFAIL §8.1: a ciphertext among other parts is never decrypted into the message.
    walk.partialEncrypted = true;
    const body = src.bytes.subarray(e.children[1]!.bodyStart, e.children[1]!.end);
    walk.attachments.push(attachment('encrypted.asc', 'application/pgp-encrypted', body, null, cover));
    return;
  }
  if (isPgpSigned(e)) {
    const checks = await verifySigned(src, e, crypto, verifyWith);
    walk.partlySigned = true;
    walk.checks.push(...checks);
    return walkEntity(src, e.children[0]!, { ...cover, signature: checks }, walk, crypto, verifyWith);
  }
  if (e.type === 'multipart/alternative') {
    const choice =
      e.children.find((c) => c.type === 'text/plain') ??
      [...e.children].reverse().find((c) => c.type === 'text/html' || c.type.startsWith('multipart/'));
    if (choice) await walkEntity(src, choice, cover, walk, crypto, verifyWith);
    return;
  }
  if (e.type.startsWith('multipart/')) {
    for (const child of e.children) await walkEntity(src, child, cover, walk, crypto, verifyWith);
    return;
  }
  await leaf(src, e, cover, walk, crypto, verifyWith);
}

function attachment(
  name: string,
  type: string,
  content: Content,
  contentId: string | null,
  cover: Cover,
): ShownAttachment<Content> {
  const size = content instanceof Blob ? content.size : content.length;
  return { name, type, size, contentId, content, ...covered(cover) };
}

async function leaf(
  src: Source,
  e: MimeEntity,
  cover: Cover,
  walk: Walk,
  crypto: ReadingCrypto,
  verifyWith: string[],
): Promise<void> {
  const disposition = header(e, 'content-disposition')?.toLowerCase() ?? '';
  const textual = e.type === 'text/plain' || e.type === 'text/html';
  const isFile = disposition.startsWith('attachment') || !textual;
  const contentId = header(e, 'content-id')?.replace(/^<|>$/g, '').trim() || null;
  if (isFile && transferEncoding(e) === 'base64') {
    // Large files: the body decoded natively, the MIME library reading only the headers (the name).
    const described = await PostalMime.parse(src.bytes.subarray(e.start, e.bodyStart));
    const body = src.text.slice(e.bodyStart, e.end);
    const content = src.files?.get(body) ?? decodeBase64(body);
    const name = described.attachments[0]?.filename ?? defaultName(e.type);
    walk.attachments.push(attachment(name, e.type, content, contentId, cover));
    return;
  }
  const parsed = await decodeLeaf(src, e);
  if (isFile) {
    const found = parsed.attachments[0];
    const content = !found
      ? new Uint8Array(0)
      : typeof found.content === 'string'
        ? new TextEncoder().encode(found.content)
        : new Uint8Array(found.content);
    walk.attachments.push(attachment(found?.filename ?? defaultName(e.type), e.type, content, contentId, cover));
    return;
  }
  if (e.type === 'text/html') {
    walk.parts.push({ kind: 'html', content: parsed.html ?? '', ...covered(cover) });
    return;
  }
  const text = parsed.text ?? '';
  if (ARMORED_MESSAGE.test(text)) walk.partialEncrypted = true; // shown as it is: never decrypted among other text
  const block = CLEARTEXT_BLOCK.exec(text);
  if (!block) {
    walk.parts.push({ kind: 'text', content: text, ...covered(cover) });
    return;
  }
  // Text around a cleartext-signed block is not signed: each piece is a part of its own.
  let verified: { text: string; signatures: SignatureCheck[] };
  try {
    verified = await crypto.verifyCleartext(block[0], verifyWith);
  } catch (err) {
    verified = {
      text: block[0],
      signatures: [badSignature(isAppError(err) ? (err.detail ?? err.message) : String(err))],
    };
  }
  walk.partlySigned = true;
  walk.checks.push(...verified.signatures);
  const before = text.slice(0, block.index);
  const after = text.slice(block.index + block[0].length);
  if (before.trim()) walk.parts.push({ kind: 'text', content: before, ...covered(cover) });
  walk.parts.push({ kind: 'text', content: verified.text, encrypted: cover.encrypted, signed: true });
  if (after.trim()) walk.parts.push({ kind: 'text', content: after, ...covered(cover) });
}

const defaultName = (type: string) =>
  type === 'message/rfc822' ? 'message.eml' : type.startsWith('text/') ? 'part.txt' : 'attachment.bin';

/** Worst first: one bad signature is not made good by another good one. */
const SEVERITY: Exclude<SignatureStatus, 'pending' | 'unsigned' | 'partial'>[] = [
  'bad',
  'revoked',
  'expired',
  'mismatch',
  'changed',
  'unknown-key',
  'valid',
];

type Judged = { status: Exclude<SignatureStatus, 'pending'>; detail: string; check: SignatureCheck | null };

function judgeOne(c: SignatureCheck, headers: ReadHeaders, pinned: string | null): Judged {
  if (c.result === 'no-key')
    return { status: 'unknown-key', detail: `No key is known for the signer (key ID ${c.issuer}).`, check: c };
  if (c.signer?.status === 'revoked')
    return { status: 'revoked', detail: 'The signing key has been revoked by its owner.', check: c };
  if (c.signer?.status === 'expired') return { status: 'expired', detail: 'The signing key has expired.', check: c };
  if (c.result === 'bad' || !c.signer || c.signer.status === 'invalid')
    return { status: 'bad', detail: `The signature is not valid: ${c.problem ?? 'the key cannot sign'}.`, check: c };
  if (headers.severalFrom || headers.from.length !== 1)
    return {
      status: 'mismatch',
      detail: 'The message names more than one sender, so no signature can vouch for “the” sender.',
      check: c,
    };
  const from = asciiLower(headers.from[0]!.address);
  if (!c.signer.addresses.includes(from)) {
    const by = c.signer.addresses[0] ?? 'a key with no valid address';
    return { status: 'mismatch', detail: `Signed by ${by}, which is not the sender ${from}.`, check: c };
  }
  if (pinned && pinned !== c.signer.fingerprint)
    return {
      status: 'changed',
      detail: `Signed by a key of ${from} other than the one pinned for it (${pinned}).`,
      check: c,
    };
  return { status: 'valid', detail: `Signed by ${from}.`, check: c };
}

/** A message's Date and its signature's time this far apart are worth a word (a replayed old signature). */
const DATE_TOLERANCE_MS = 24 * 3600_000;

/** Words on a signature made far from the message's Date, or null. */
export function dateMismatch(c: SignatureCheck | null, headers: Pick<ReadHeaders, 'date'>): string | null {
  if (!c?.created || !headers.date) return null;
  const signed = Date.parse(c.created);
  const dated = Date.parse(headers.date);
  if (Number.isNaN(signed) || Number.isNaN(dated) || Math.abs(signed - dated) <= DATE_TOLERANCE_MS) return null;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return `The signature was made on ${day(signed)}, but the message is dated ${day(dated)}: it may be an old signed message sent again.`;
}

/** Each signature judged on its own; the message gets the worst of them. */
export function judgeSignatures(checks: SignatureCheck[], headers: ReadHeaders, pinned: string | null): Judged {
  if (checks.length === 0) return { status: 'unsigned', detail: 'Not signed.', check: null };
  const judged = checks.map((c) => judgeOne(c, headers, pinned));
  return judged.reduce((worst, j) =>
    SEVERITY.indexOf(j.status as (typeof SEVERITY)[number]) <
    SEVERITY.indexOf(worst.status as (typeof SEVERITY)[number])
      ? j
      : worst,
  );
}
