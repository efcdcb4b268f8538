import { createHash, randomBytes } from 'node:crypto';

/** A JMAP Id (RFC 8620 §1.2): URL-safe characters only, here a prefix plus 80 random bits. */
export const newId = (prefix: string): string => prefix + randomBytes(10).toString('hex');

export const sha256Hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

export const nowIso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
