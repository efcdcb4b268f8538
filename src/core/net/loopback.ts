/**
 * Whether a URL host is this machine: 127.0.0.0/8, ::1 or localhost (RFC 6761 §6.3). Plain
 * `http:` is allowed only there; anywhere else a password or a key would cross the network in clear.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why a server URL may not be used (plain http to another machine), or null. */
export function insecureUrlReason(url: URL): string | null {
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return url.protocol === 'http:'
    ? `${url.host} is reached over plain http: use https:// (http:// is allowed only for this machine: localhost, 127.0.0.1, [::1]).`
    : `${url.protocol} is not a web address: use https://.`;
}
