import { Base64Lines } from '../core/bytes/base64-lines';
import { buildMessageParts, type MessageInput } from '../core/mime/build-message';
import type { PayloadPart } from '../core/mime/payload-parts';
import { buildPayloadParts } from '../core/mime/pgp-mime';

/**
 * Whole-message forms of the MIME builders for tests: parts whose attachments are all bytes,
 * joined synchronously (the app streams them, see payload-parts.ts).
 */
export function joinParts(parts: PayloadPart[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (!(part.base64 instanceof Uint8Array)) throw new Error('joinParts needs attachment bytes, not a Blob');
      const lines = new Base64Lines(76);
      const decoder = new TextDecoder();
      return decoder.decode(lines.push(part.base64)) + decoder.decode(lines.end());
    })
    .join('');
}

export function buildMessage(input: MessageInput, draft?: { headers: [name: string, value: string][] }) {
  const { parts, envelope } = buildMessageParts(input, draft);
  return { bytes: new TextEncoder().encode(joinParts(parts)), envelope };
}

export const buildPayload = (...args: Parameters<typeof buildPayloadParts>): string =>
  joinParts(buildPayloadParts(...args));
