import type { IncomingMessage, ServerResponse } from 'node:http';
import { batchLine, lookupWkdForProxy, type WkdProxyConfig } from '../lookup/wkd-proxy';
import { sendJson } from './http-util';
import type { PublishAuth } from './publish-auth';

/**
 * `GET /api/wkd/check-public?address=`: the route a correspondent on the internet takes to the
 * caller's key — `https://openpgpkey.<domain>/…`, then `https://<domain>/…` — fetched from here as
 * the lookup proxy does, but without answering from this companion's own directory: a missing DNS
 * name or TLS front shows as unreachable. Answers the proxy's batch line (JSON, key in base64).
 */
export function createPublicCheck(options: { proxy: WkdProxyConfig; auth: PublishAuth }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/wkd/check-public') return false;
    const auth = await options.auth.authenticate(req.headers.authorization);
    if (!auth.ok) return (sendJson(res, auth.status, { error: auth.reason }), true);
    const address = url.searchParams.get('address') ?? '';
    if (!options.auth.owns(auth.caller, address))
      return (sendJson(res, 403, { error: `${address} is not an address of your account.` }), true);
    const line = batchLine(address, await lookupWkdForProxy(address, options.proxy));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(line);
    return true;
  };
}
