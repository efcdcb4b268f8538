/**
 * Each byte's value as a base64 digit (RFC 4648 §4): 0–63, -2 for the white space `atob` skips
 * (TAB, LF, FF, CR, SPACE), -1 for anything else. For decoders that work on bytes: turning bytes
 * into a string for `atob` or `Uint8Array.fromBase64` cost more than decoding them.
 */
export const BASE64_DIGITS = (() => {
  const table = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
  for (const space of [9, 10, 12, 13, 32]) table[space] = -2;
  return table;
})();
