import { Base64Lines } from '../bytes/base64-lines';
import { BlobSink, type ByteSink } from '../bytes/sink';
import { openSpool, withType } from '../bytes/spool';
import { AppError } from '../errors/app-error';

/**
 * A MIME entity in pieces: 7-bit text as it is, and attachment bodies given by their content,
 * base64-encoded in 76-character lines only as they are written out. A message with a 100 MB
 * attachment never exists as one string or one buffer.
 */
export type PayloadPart = string | { base64: Blob | Uint8Array };

/** Bytes given as an array are encoded 228 KiB at a time: whole 57-byte lines that stay in the cache. */
const READ_SIZE = 57 * 4096;

async function* contentChunks(content: Blob | Uint8Array): AsyncGenerator<Uint8Array> {
  try {
    yield* readContent(content);
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    const name = content instanceof File ? `“${content.name}”` : 'An attachment';
    throw new AppError('mime/invalid-input', `${name} could not be read`, {
      cause,
      detail: `${name} could not be read (was the file moved or changed after it was attached?). Attach it again; nothing was sent.`,
    });
  }
}

async function* readContent(content: Blob | Uint8Array): AsyncGenerator<Uint8Array> {
  if (content instanceof Uint8Array) {
    for (let at = 0; at < content.length; at += READ_SIZE) yield content.subarray(at, at + READ_SIZE);
    return;
  }
  yield* readBlob(content);
}

/** A file is read FILE_PIECE at a time, the next piece arriving while this one is encoded. */
const FILE_PIECE = 1 << 20;
/** A read of a file's stream not done by then has stalled (see readBlob). */
const STALL_MS = 3000;
const STALLED = Symbol('stalled');

/**
 * A Blob's bytes as a byte stream read into two reused buffers: in Chromium that takes half the
 * time of the stream's own chunks (bench in the note of issue 16), and reading it in slices was
 * several times slower. Chromium 156 sometimes leaves such a read pending for good: the rest is
 * then read with the stream's own reader, from where the stall began.
 */
export async function* readBlob(blob: Blob, stallMs = STALL_MS): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = blob.stream().getReader({ mode: 'byob' });
  } catch {
    yield* readChunks(blob.stream());
    return;
  }
  let offset = 0;
  let spare = new Uint8Array(FILE_PIECE);
  let pending = reader.read(new Uint8Array(FILE_PIECE));
  for (;;) {
    const result = await withinStallLimit(pending, stallMs);
    if (result === STALLED) {
      void reader.cancel().catch(() => undefined);
      yield* readChunks(blob.slice(offset).stream());
      return;
    }
    if (result.done) return;
    const chunk = result.value;
    offset += chunk.length;
    pending = reader.read(spare);
    yield chunk;
    spare = new Uint8Array(chunk.buffer);
  }
}

async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

async function withinStallLimit<T>(read: Promise<T>, stallMs: number): Promise<T | typeof STALLED> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([read, new Promise<typeof STALLED>((ok) => (timer = setTimeout(ok, stallMs, STALLED)))]);
  } finally {
    clearTimeout(timer);
  }
}

function sevenBit(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new AppError('mime/invalid-input', 'A message header or text part is not 7-bit');
    out[i] = code;
  }
  return out;
}

/** The entity's bytes, in order, a piece at a time; each piece is valid until the next is asked for. */
export async function* payloadChunks(parts: PayloadPart[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part) yield sevenBit(part);
      continue;
    }
    const lines = new Base64Lines(76);
    for await (const chunk of contentChunks(part.base64)) yield lines.push(chunk);
    const last = lines.end();
    if (last.length) yield last;
  }
}

/** Write the entity into `sink` (without closing it). */
export async function writePayload(parts: PayloadPart[], sink: ByteSink): Promise<void> {
  for await (const chunk of payloadChunks(parts)) await sink.write(chunk);
}

/** About how many bytes the entity takes (base64 lines of 76 characters and CRLF). */
export function payloadSize(parts: PayloadPart[]): number {
  return parts.reduce(
    (sum, part) => sum + (typeof part === 'string' ? part.length : Math.ceil(contentSize(part.base64) / 57) * 78),
    0,
  );
}

const contentSize = (content: Blob | Uint8Array) => (content instanceof Uint8Array ? content.length : content.size);

/** The entity as a Blob (a spool file when it is large: see openSpool). */
export async function payloadBlob(parts: PayloadPart[], type = 'message/rfc822'): Promise<Blob> {
  const spool = await openSpool(payloadSize(parts));
  try {
    await writePayload(parts, spool);
    spool.close();
    return withType(await spool.finish(), type);
  } catch (e) {
    spool.abort();
    throw e;
  }
}

/** The entity as one byte array (small messages, and signing paths that need the whole). */
export async function payloadBytes(parts: PayloadPart[]): Promise<Uint8Array> {
  const sink = new BlobSink();
  await writePayload(parts, sink);
  sink.close();
  return new Uint8Array(await sink.result().arrayBuffer());
}
