type Base64Decoder = (text: string, options: { lastChunkHandling: 'loose' }) => Uint8Array;
const nativeBase64 = (Uint8Array as unknown as { fromBase64?: Base64Decoder }).fromBase64;

/**
 * Base64 as mail readers take it: anything outside the alphabet skipped, padding optional, a
 * dangling last character dropped. Native where the engine has it (Uint8Array.fromBase64).
 */
export function decodeBase64(text: string): Uint8Array {
  let clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  if (clean.length % 4 === 1) clean = clean.slice(0, -1);
  if (nativeBase64) return nativeBase64(clean, { lastChunkHandling: 'loose' });
  const binary = atob(clean);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
