import { AppError } from '../errors/app-error';

/**
 * The structure of a MIME message with the byte offsets of every entity, so that a signed part
 * is verified over exactly the bytes that arrived (RFC 3156 §5) and each part is decoded on its
 * own (never joined with its neighbours: EFAIL's direct exfiltration). Decoding of a leaf's
 * content (transfer encoding, charset, file names) is left to the MIME library.
 */
export type MimeEntity = {
  /** Where the entity's header section starts, where its body starts, and where it ends (exclusive). */
  start: number;
  bodyStart: number;
  end: number;
  /** Lower-case names, unfolded raw values, in order (duplicates kept). */
  headers: [name: string, value: string][];
  /** Lower-case `type/subtype`. */
  type: string;
  /** Lower-case parameter names; values unquoted. */
  params: Record<string, string>;
  children: MimeEntity[];
};

/** Deeper nesting or more parts than this is refused: a message built to exhaust the reader. */
const MAX_DEPTH = 32;
const MAX_PARTS = 2000;

/** windows-1252's characters for bytes 0x80-0x9F (the rest of its 0x80-0x9F bytes map to themselves). */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
const BYTE_OF_1252 = new Map([...WINDOWS_1252_HIGH].map((c, i) => [c, String.fromCharCode(0x80 + i)]));
const MOVED_1252 = new RegExp(`[${[...WINDOWS_1252_HIGH].filter((c) => c.charCodeAt(0) > 0xff).join('')}]`, 'g');
const windows1252 = new TextDecoder('windows-1252');

/**
 * Bytes as a string of the same length, character code = byte, for searching and slicing.
 * TextDecoder's "latin1" is windows-1252, one character per byte but with 0x80-0x9F moved
 * elsewhere: those are put back (native decoding is ~50× faster than building the string by hand).
 */
export function byteString(bytes: Uint8Array): string {
  return windows1252.decode(bytes).replace(MOVED_1252, (c) => BYTE_OF_1252.get(c)!);
}

function headerEnd(text: string, start: number, end: number): { headersEnd: number; bodyStart: number } {
  if (text.startsWith('\r\n', start)) return { headersEnd: start, bodyStart: start + 2 };
  if (text.startsWith('\n', start)) return { headersEnd: start, bodyStart: start + 1 };
  const crlf = text.indexOf('\r\n\r\n', start);
  const lf = text.indexOf('\n\n', start);
  const candidates = [
    ...(crlf >= 0 && crlf < end ? [{ headersEnd: crlf, bodyStart: crlf + 4 }] : []),
    ...(lf >= 0 && lf < end ? [{ headersEnd: lf, bodyStart: lf + 2 }] : []),
  ].sort((a, b) => a.headersEnd - b.headersEnd);
  return candidates[0] ?? { headersEnd: end, bodyStart: end };
}

export function parseHeaderSection(section: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of section.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** `type/subtype; name=value; name="quoted value"` (RFC 2045 §5.1). */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const params: Record<string, string> = {};
  let at = value.indexOf(';');
  const type = (at < 0 ? value : value.slice(0, at)).trim().toLowerCase();
  while (at >= 0 && at < value.length) {
    const rest = value.slice(at + 1);
    const m = /^\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/.exec(rest);
    if (!m) {
      const next = rest.indexOf(';');
      at = next < 0 ? -1 : at + 1 + next;
      continue;
    }
    const raw = m[2]!.trim();
    params[m[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    const consumed = at + 1 + m[0].length;
    const next = value.indexOf(';', consumed);
    at = next;
  }
  return { type: /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'text/plain', params };
}

export const header = (entity: Pick<MimeEntity, 'headers'>, name: string): string | undefined =>
  entity.headers.find(([n]) => n === name)?.[1];

/** Parse `text[start, end)` as a MIME entity, with its parts when it is a multipart. */
export function parseEntity(text: string, start = 0, end = text.length): MimeEntity {
  let parts = 0;
  const parse = (from: number, to: number, depth: number, defaultType: string): MimeEntity => {
    if (depth > MAX_DEPTH || ++parts > MAX_PARTS)
      throw new AppError('mime/invalid-input', 'The message is nested too deeply or has too many parts');
    const { headersEnd, bodyStart } = headerEnd(text, from, to);
    const headers = parseHeaderSection(text.slice(from, headersEnd));
    const contentType = header({ headers }, 'content-type');
    const { type, params } = contentType ? parseContentType(contentType) : { type: defaultType, params: {} };
    const entity: MimeEntity = { start: from, bodyStart, end: to, headers, type, params, children: [] };
    if (type.startsWith('multipart/') && params.boundary) {
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (const [partStart, partEnd] of splitMultipart(text, bodyStart, to, params.boundary)) {
        entity.children.push(parse(partStart, partEnd, depth + 1, childDefault));
      }
    }
    return entity;
  };
  return parse(start, end, 0, 'text/plain');
}

/**
 * The parts between boundary delimiters (RFC 2046 §5.1.1). A part ends before the line break that
 * precedes the next delimiter: that line break belongs to the delimiter.
 */
function splitMultipart(text: string, bodyStart: number, end: number, boundary: string): [number, number][] {
  const delimiter = `--${boundary}`;
  const parts: [number, number][] = [];
  let partStart = -1;
  let at = bodyStart;
  while (at < end) {
    let found = text.indexOf(delimiter, at);
    while (found >= 0 && found > bodyStart && text[found - 1] !== '\n') found = text.indexOf(delimiter, found + 1);
    if (found < 0 || found >= end) break;
    const lineEnd = text.indexOf('\n', found);
    const line = text.slice(found + delimiter.length, lineEnd < 0 || lineEnd > end ? end : lineEnd);
    const closing = line.startsWith('--');
    if (!/^(--)?[ \t]*\r?$/.test(line)) {
      at = found + delimiter.length;
      continue;
    }
    if (partStart >= 0) {
      let partEnd = found;
      if (text[partEnd - 1] === '\n') partEnd--;
      if (text[partEnd - 1] === '\r') partEnd--;
      parts.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (closing) return parts;
    partStart = lineEnd < 0 ? end : lineEnd + 1;
    at = partStart;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart >= 0 && partStart < end) parts.push([partStart, end]);
  return parts;
}
