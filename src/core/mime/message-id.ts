/** A random seed for MIME boundaries (96 bits, hex). */
export const randomBoundarySeed = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

/** A fresh Message-ID: 128 random bits, domain part from the sender (RFC 5322 §3.6.4). */
export function createMessageId(
  fromAddress: string,
  random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): string {
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1) || 'localhost';
  const id = Array.from(random(16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `<${id}@${domain}>`;
}
