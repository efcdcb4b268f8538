import { joinBytes } from '../bytes/join';
import { BlobSink } from '../bytes/sink';
import { byteString, header, parseContentType, parseHeaderSection } from './mime-tree';
import { BASE64_DIGITS } from '../bytes/base64-digits';

/** An entity whose header section has just been read (a leaf, or the root), and where it sits. */
export type StreamedLeaf = {
  headers: [name: string, value: string][];
  type: string;
  params: Record<string, string>;
  /** The multiparts around it, outermost first. */
  parents: { type: string; params: Record<string, string> }[];
  /** Its place among its parent's parts (0-based); -1 for the root. */
  index: number;
};

/** Where a leaf's body goes instead of the skeleton. A chunk is valid only during the call. */
export interface BodySink {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** A body taken out of the skeleton: its sink, and the text left in the body's place. */
export type TakenBody = { sink: BodySink; stand: string };

type Frame = {
  delimiter: Uint8Array;
  childDefault: string;
  type: string;
  params: Record<string, string>;
  parts: number;
};

const NL = 0x0a;
const DASH = 0x2d;
/** The limits parseEntity enforces: past them nothing is taken out, and the skeleton's parse refuses it. */
const MAX_DEPTH = 32;
const MAX_PARTS = 2000;
/** A line starting with "--" this long without a line end cannot be a delimiter worth waiting for. */
const MAX_DELIMITER_LINE = 1024;
const CRLF = new Uint8Array([0x0d, 0x0a]);

/**
 * Reads a MIME message as it arrives and keeps its skeleton: every byte as it came, except the
 * bodies `take` asks for, which go to their sink and leave a stand-in text behind. The skeleton
 * parses (parseEntity) to the same structure as the whole message would, so the reader's logic
 * runs on it unchanged, while a 50 MB attachment never exists as one buffer or string.
 * Delimiters are found as parseEntity finds them (RFC 2046 §5.1.1): a line that is `--boundary`
 * of any open multipart, optionally closed by `--`, then only white space.
 */
export class MimeSkeleton {
  private readonly pieces: Uint8Array[] = [];
  /** The start of a line whose end has not arrived. */
  private carry: Uint8Array[] = [];
  private inHeaders = true;
  private headerLines: Uint8Array[] = [];
  private readonly stack: Frame[] = [];
  private taken: TakenBody | null = null;
  private atLineStart = true;
  private parts = 0;
  private ended = false;
  /** The root entity, once its header section has been read. */
  root: StreamedLeaf | null = null;
  private capture: FirstPartCapture | null = null;
  /** Bytes kept in the skeleton so far. */
  private kept = 0;

  /**
   * `take` says which leaves' bodies to take out; `captureFirstPart`, asked once a multipart root's
   * header has been read, where the exact bytes of its first part go (see `captured`).
   */
  constructor(
    private readonly take: (leaf: StreamedLeaf) => TakenBody | null,
    private readonly captureFirstPart: (root: StreamedLeaf) => BodySink | null = () => null,
  ) {}

  /**
   * Where the captured first part of the root sits in the skeleton, once the message has ended: its
   * bytes, with line ends made CRLF, went to the capture sink as they came (as signedBytes of
   * parseEntity's part would give them). Null when nothing was captured.
   */
  /** Whether the root's first part is being captured (known once the root's header has been read). */
  get capturing(): boolean {
    return this.capture !== null;
  }

  get captured(): { start: number; end: number } | null {
    const c = this.capture;
    return c?.skeletonStart !== undefined && c.skeletonEnd !== undefined
      ? { start: c.skeletonStart, end: c.skeletonEnd }
      : null;
  }

  write(chunk: Uint8Array): void {
    let data = chunk;
    if (this.carry.length) {
      // A line waiting for its end is joined once, when the end comes: an endless line costs no copying.
      const waiting = this.carry.reduce((n, c) => n + c.length, 0);
      if (chunk.indexOf(NL) < 0 && (this.inHeaders || waiting + chunk.length <= MAX_DELIMITER_LINE)) {
        this.carry.push(chunk.slice());
        return;
      }
      data = joinBytes([...this.carry, chunk]);
      this.carry = [];
    }
    let pos = 0;
    while (pos < data.length) {
      if (this.inHeaders || (this.atLineStart && data[pos] === DASH)) {
        const nl = data.indexOf(NL, pos);
        if (nl < 0) {
          if (this.inHeaders || data.length - pos <= MAX_DELIMITER_LINE) {
            this.carry = [data.slice(pos)];
            return;
          }
        } else {
          const line = data.subarray(pos, nl + 1);
          pos = nl + 1;
          if (!this.delimiter(line)) {
            this.capture?.write(line);
            if (this.inHeaders) this.headerLine(line);
            else this.content(line);
          }
          this.atLineStart = true;
          continue;
        }
      }
      // Content up to the next line that starts with a dash (base64 and armor have none).
      let next = data.indexOf(DASH, pos + 1);
      while (next >= 0 && data[next - 1] !== NL) next = data.indexOf(DASH, next + 1);
      const end = next < 0 ? data.length : next;
      this.capture?.write(data.subarray(pos, end));
      this.content(data.subarray(pos, end));
      this.atLineStart = data[end - 1] === NL;
      pos = end;
    }
  }

  /** The skeleton, once the whole message has been written. */
  end(): Uint8Array {
    if (!this.ended) {
      this.ended = true;
      if (this.carry.length) {
        const rest = joinBytes(this.carry);
        this.carry = [];
        if (!this.delimiter(rest)) {
          this.capture?.write(rest);
          if (this.inHeaders) this.headerLine(rest);
          else this.content(rest);
        }
      }
      this.closeTaken(false);
      // No closing delimiter: the last part runs to the end.
      this.capture?.finish(false, this.kept);
    }
    const skeleton = joinBytes(this.pieces);
    this.capture?.trimEnd(skeleton);
    return skeleton;
  }

  private keep(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.pieces.push(bytes.slice());
    this.kept += bytes.length;
  }

  private content(bytes: Uint8Array): void {
    if (this.taken) this.taken.sink.write(bytes);
    else this.keep(bytes);
  }

  /** The stand-in takes the body's place; the line break before the next delimiter is the delimiter's. */
  private closeTaken(lineBreak: boolean): void {
    if (!this.taken) return;
    this.taken.sink.close();
    this.keep(new TextEncoder().encode(this.taken.stand));
    if (lineBreak) this.keep(CRLF);
    this.taken = null;
  }

  /** Handles `line` when it is a delimiter of an open multipart; false when it is not one. */
  private delimiter(line: Uint8Array): boolean {
    if (line[0] !== DASH || line[1] !== DASH || !this.stack.length) return false;
    let level = -1;
    let closing = false;
    for (let i = this.stack.length - 1; i >= 0 && level < 0; i--) {
      const d = this.stack[i]!.delimiter;
      if (line.length < d.length || d.some((b, k) => line[k] !== b)) continue;
      const rest = byteString(line.subarray(d.length));
      const m = /^(--)?[ \t]*\r?\n?$/.exec(rest);
      if (m) {
        level = i;
        closing = !!m[1];
      }
    }
    if (level < 0) return false;
    this.closeTaken(true);
    if (level === 0) this.capture?.finish(true, this.kept);
    else this.capture?.write(line); // an inner delimiter is part of the first part
    this.inHeaders = false;
    this.headerLines = [];
    this.stack.length = closing ? level : level + 1;
    this.keep(line);
    if (level === 0 && !closing) this.capture?.open(this.kept);
    this.atLineStart = true;
    if (!closing) {
      this.stack[level]!.parts++;
      this.inHeaders = true;
    }
    return true;
  }

  private headerLine(line: Uint8Array): void {
    this.keep(line);
    if (!(line.length === 1 || (line.length === 2 && line[0] === 0x0d)) || line[line.length - 1] !== NL) {
      this.headerLines.push(line.slice());
      return;
    }
    this.inHeaders = false;
    this.atLineStart = true;
    const parent = this.stack[this.stack.length - 1];
    const headers = parseHeaderSection(this.headerLines.map((l) => byteString(l)).join(''));
    this.headerLines = [];
    const contentType = header({ headers }, 'content-type');
    const { type, params } = contentType
      ? parseContentType(contentType)
      : { type: parent?.childDefault ?? 'text/plain', params: {} };
    this.root ??= { headers, type, params, parents: [], index: -1 };
    if (++this.parts > MAX_PARTS || this.stack.length >= MAX_DEPTH) return;
    if (type.startsWith('multipart/') && params.boundary) {
      if (this.parts === 1) {
        const sink = this.captureFirstPart(this.root);
        if (sink) this.capture = new FirstPartCapture(sink);
      }
      this.stack.push({
        delimiter: new TextEncoder().encode(`--${params.boundary}`),
        childDefault: type === 'multipart/digest' ? 'message/rfc822' : 'text/plain',
        type,
        params,
        parts: 0,
      });
      return;
    }
    this.taken = this.take({
      headers,
      type,
      params,
      parents: this.stack.map(({ type, params }) => ({ type, params })),
      index: parent ? parent.parts - 1 : -1,
    });
  }
}

const CR = 0x0d;

/**
 * The bytes of a multipart root's first part, from the line after its first delimiter to the line
 * break before the next (which belongs to that delimiter), with every bare LF made CRLF on the way
 * (the canonical form a detached signature covers, RFC 3156 §5). Two bytes are held back until it
 * is known whether they are that line break.
 */
class FirstPartCapture {
  private state: 'waiting' | 'open' | 'closed' = 'waiting';
  private held = new Uint8Array(0);
  private previous = 0;
  skeletonStart: number | undefined;
  /** Where the skeleton's delimiter line starts, until trimEnd makes it the part's end. */
  skeletonEnd: number | undefined;

  constructor(private readonly sink: BodySink) {}

  open(skeletonAt: number): void {
    if (this.state !== 'waiting') return;
    this.state = 'open';
    this.skeletonStart = skeletonAt;
  }

  write(bytes: Uint8Array): void {
    if (this.state !== 'open' || !bytes.length) return;
    const all = this.held.length ? joinBytes([this.held, bytes]) : bytes;
    const keep = Math.min(2, all.length);
    this.emit(all.subarray(0, all.length - keep));
    this.held = all.slice(all.length - keep);
  }

  finish(atDelimiter: boolean, skeletonAt: number): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    let end = this.held.length;
    if (atDelimiter && this.held[end - 1] === NL) end--;
    if (atDelimiter && this.held[end - 1] === CR) end--;
    this.emit(this.held.subarray(0, end));
    this.held = new Uint8Array(0);
    this.sink.close();
    this.skeletonEnd = skeletonAt;
    this.untrimmed = atDelimiter;
  }

  private untrimmed = false;

  /** The part ends before the line break that precedes its delimiter in the skeleton too. */
  trimEnd(skeleton: Uint8Array): void {
    if (!this.untrimmed || this.skeletonEnd === undefined || this.skeletonStart === undefined) return;
    this.untrimmed = false;
    let end = this.skeletonEnd;
    if (skeleton[end - 1] === NL) end--;
    if (skeleton[end - 1] === CR) end--;
    this.skeletonEnd = Math.max(this.skeletonStart, end);
  }

  private emit(bytes: Uint8Array): void {
    let from = 0;
    for (let nl = bytes.indexOf(NL); nl >= 0; nl = bytes.indexOf(NL, nl + 1)) {
      if ((nl > 0 ? bytes[nl - 1] : this.previous) === CR) continue;
      if (nl > from) this.sink.write(bytes.subarray(from, nl));
      this.sink.write(CRLF);
      from = nl + 1;
    }
    if (from < bytes.length) this.sink.write(bytes.subarray(from));
    if (bytes.length) this.previous = bytes[bytes.length - 1]!;
  }
}

/** Decoded bytes gathered before they become one Blob: few Blob calls, little held in the worker. */
const BLOB_PIECE = 4 * 1024 * 1024;

/**
 * A base64 body decoded as it arrives into a Blob, as decodeBase64 would decode the whole: every
 * byte outside the alphabet skipped, a dangling last digit dropped. Decoded from the bytes straight
 * into the Blob's staging: made a string first for the native decoder, it took twice as long.
 */
export class Base64BlobSink implements BodySink {
  private group = 0;
  private digits = 0;
  private readonly out = new BlobSink(BLOB_PIECE);

  write(bytes: Uint8Array): void {
    let room = this.out.room(3);
    let o = 0;
    let group = this.group;
    let digits = this.digits;
    for (let i = 0; i < bytes.length; i++) {
      const value = BASE64_DIGITS[bytes[i]!]!;
      if (value < 0) continue;
      group = (group << 6) | value;
      if (++digits === 4) {
        if (room.length - o < 3) {
          this.out.wrote(o);
          room = this.out.room(3);
          o = 0;
        }
        room[o] = group >>> 16;
        room[o + 1] = (group >>> 8) & 0xff;
        room[o + 2] = group & 0xff;
        o += 3;
        digits = 0;
        group = 0;
      }
    }
    this.out.wrote(o);
    this.group = group;
    this.digits = digits;
  }

  close(): void {
    // Two or three digits left hold one or two bytes (padding is optional); one holds nothing.
    if (this.digits === 2) this.out.write(Uint8Array.of(this.group >>> 4));
    if (this.digits === 3) this.out.write(Uint8Array.of(this.group >>> 10, (this.group >>> 2) & 0xff));
    this.digits = 0;
    this.out.close();
  }

  /** The decoded body, after close(). */
  result(): Blob {
    return this.out.result();
  }
}
