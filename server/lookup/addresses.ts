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
    const words = ipv6Words(ip);
    if (!words) return true;
    const [w0, w1, w2, w3, w4, w5, w6, w7] = words;
    const embeddedV4 = () => `${w6 >> 8}.${w6 & 0xff}.${w7 >> 8}.${w7 & 0xff}`;
    const zeros = (...w: number[]) => w.every((x) => x === 0);
    if (zeros(w0, w1, w2, w3, w4) && w5 === 0xffff) return isNonPublicAddress(embeddedV4()); // ::ffff:a.b.c.d
    if (zeros(w0, w1, w2, w3, w4, w5)) return true; // ::, ::1 and IPv4-compatible ::a.b.c.d (deprecated)
    return (
      (w0 === 0x64 && w1 === 0xff9b) || // 64:ff9b::/96 and /48 NAT64: reaches IPv4 through a translator
      w0 === 0x2002 || // 6to4: an IPv4 address inside
      (w0 === 0x2001 && w1 === 0) || // Teredo
      (w0 === 0x2001 && w1 === 0xdb8) || // documentation
      (w0 & 0xfe00) === 0xfc00 || // unique local
      (w0 & 0xffc0) === 0xfe80 || // link-local
      (w0 & 0xffc0) === 0xfec0 || // site-local (deprecated)
      (w0 & 0xff00) === 0xff00 // multicast
    );
  }
  return true; // not an IP at all
}

type Words = [number, number, number, number, number, number, number, number];

/** The eight 16-bit words of an IPv6 address (`::` expanded, a trailing dotted quad converted), or null. */
function ipv6Words(ip: string): Words | null {
  let text = ip.toLowerCase().split('%')[0]!;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const words =
    tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)
    ? (words as Words)
    : null;
}
