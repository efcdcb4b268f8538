import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WkdTree } from './wkd-tree';

const HASH = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{32}$/;

/** Served keys change when their owner publishes again or revokes: caches may keep them briefly only. */
const HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Cache-Control': 'public, max-age=300',
  'X-Content-Type-Options': 'nosniff',
};

const hostName = (req: IncomingMessage) =>
  (req.headers.host ?? '').replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();

/**
 * The web key directory (draft-koch-openpgp-webkey-service §3.1): the advanced form
 * `/.well-known/openpgpkey/<domain>/hu/<hash>` (the path names the domain, so it is answered for any
 * Host, as it is for `openpgpkey.<domain>`), the direct form `/.well-known/openpgpkey/hu/<hash>` (the
 * domain is the Host), and `policy` for both. Returns false for other paths.
 */
export function createWkdServer(options: { tree: WkdTree; domains: Set<string> }) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const prefix = '/.well-known/openpgpkey/';
    if (!path.startsWith(prefix)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD' }).end();
      return true;
    }
    const parts = path.slice(prefix.length).split('/');
    const host = hostName(req);
    const advancedDomain = parts.length >= 2 && options.domains.has(parts[0]!) ? parts[0]! : null;
    const domain =
      advancedDomain ??
      (options.domains.has(host.replace(/^openpgpkey\./, '')) ? host.replace(/^openpgpkey\./, '') : null);
    const rest = advancedDomain ? parts.slice(1) : parts;
    const send = (status: number, headers: Record<string, string>, body?: Uint8Array | string) =>
      void res.writeHead(status, { ...HEADERS, ...headers }).end(req.method === 'HEAD' ? undefined : body);
    if (!domain) return (send(404, { 'Content-Type': 'text/plain' }, 'No web key directory for this domain.\n'), true);
    if (rest.length === 1 && rest[0] === 'policy') {
      return (send(200, { 'Content-Type': 'text/plain; charset=utf-8' }, options.tree.ensurePolicy(domain)), true);
    }
    const hash = rest.length === 2 && rest[0] === 'hu' ? rest[1]! : null;
    const entry = hash && HASH.test(hash) ? options.tree.read(domain, hash) : null;
    if (!entry) return (send(404, { 'Content-Type': 'text/plain' }, 'No key for this address.\n'), true);
    send(
      200,
      { 'Content-Type': 'application/octet-stream', 'Content-Length': String(entry.bytes.byteLength) },
      entry.bytes,
    );
    return true;
  };
}
