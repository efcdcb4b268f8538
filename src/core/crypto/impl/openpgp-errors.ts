/**
 * OpenPGP.js throws plain Errors and says why only in their text. This module is the one place
 * that reads that text (a lint rule forbids it anywhere else): callers decide on the kind.
 */
export type OpenpgpFailure = 'revoked' | 'expired' | 'bad-passphrase' | 'integrity' | 'too-large' | 'other';

/** The text of an OpenPGP.js error, for developer messages and details (never for decisions). */
export const openpgpErrorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** What an OpenPGP.js error means, as far as its text says. */
export function classifyOpenpgpError(e: unknown): OpenpgpFailure {
  const text = e instanceof Error ? e.message : '';
  // MDC mismatch, SED (no MDC), a bad AEAD tag, broken packet grammar.
  if (
    /modification detected|not authenticated|authentication tag|tag mismatch|unsupported state|grammar|unexpected packet/i.test(
      text,
    )
  )
    return 'integrity';
  if (/decompressed message size|maximum .*size/i.test(text)) return 'too-large';
  if (/revoked/i.test(text)) return 'revoked';
  if (/expired/i.test(text)) return 'expired';
  if (/incorrect key passphrase|passphrase/i.test(text)) return 'bad-passphrase';
  return 'other';
}
