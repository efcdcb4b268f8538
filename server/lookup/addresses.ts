import { isIP } from 'node:net';

const v4 = (ip: string) => ip.split('.').map(Number) as [number, number, number, number];

/**
 * Addresses a public WKD host never has: loopback, private, link-local, CGNAT, multicast,
 * documentation and other special ranges (RFC 6890). The proxy refuses to connect to them.
 */
export function isNonPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const [a, b] = v4(ip);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && v4(ip)[2] === 0) ||
      (a === 192 && b === 0 && v4(ip)[2] === 2) ||
      (a === 198 && (b === 18 || b === 19)) ||
      (a === 198 && b === 51 && v4(ip)[2] === 100) ||
      (a === 203 && b === 0 && v4(ip)[2] === 113)
    );
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isNonPublicAddress(mapped[1]!);
    if (lower === '::' || lower === '::1') return true;
    const first = parseInt(lower.split(':')[0] || '0', 16);
    return (
      (first & 0xfe00) === 0xfc00 ||
      (first & 0xffc0) === 0xfe80 ||
      (first & 0xff00) === 0xff00 ||
      lower.startsWith('2001:db8:')
    );
  }
  return true; // not an IP at all
}
