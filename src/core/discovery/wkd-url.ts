import { AppError } from '../errors/app-error';
import { asciiLower } from '../mime/addresses';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32 (RFC 6189 §5.1.6): no padding; 20 bytes give 32 characters. */
export function zbase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ZBASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export type WkdLocation = {
  address: string;
  localPart: string;
  domain: string;
  hash: string;
  advanced: string;
  direct: string;
};

/**
 * The WKD URLs for an address (draft-koch-openpgp-webkey-service §3.1): split at the last `@`,
 * hash the ASCII-lowercased local part (non-ASCII stays as is), `l=` carries it unchanged.
 */
export async function wkdLocation(address: string): Promise<WkdLocation> {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new AppError('mime/invalid-address', `Not an address: ${address}`);
  const localPart = address.slice(0, at);
  let domain: string;
  try {
    domain = new URL(`https://${address.slice(at + 1)}`).hostname; // IDN → punycode A-label, lowercased
  } catch (cause) {
    throw new AppError('mime/invalid-address', `Bad domain in ${address}`, { cause });
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(asciiLower(localPart))));
  const hash = zbase32(digest);
  const l = encodeURIComponent(localPart);
  return {
    address,
    localPart,
    domain,
    hash,
    advanced: `https://openpgpkey.${domain}/.well-known/openpgpkey/${domain}/hu/${hash}?l=${l}`,
    direct: `https://${domain}/.well-known/openpgpkey/hu/${hash}?l=${l}`,
  };
}
