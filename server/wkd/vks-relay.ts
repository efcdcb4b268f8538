import type { IncomingMessage, ServerResponse } from 'node:http';
import { asciiLower } from '../../src/core/mime/addresses';
import { readJsonBody, sendJson } from './http-util';
import type { PublishAuth } from './publish-auth';

/** Hagrid's nginx caps bodies at 1 MiB; so do we, both ways. */
const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;

/**
 * `POST /api/vks/upload` and `POST /api/vks/request-verify`: the key server's upload API, which
 * sends no CORS headers, relayed to the operator's `KEY_SERVER_URL` only (never a URL the client
 * names), for signed-in callers. Verification mail goes only to the caller's own addresses: the
 * companion must not relay verification mail to other people.
 */
export function createVksRelay(options: { keyServerUrl: string; auth: PublishAuth; fetch?: typeof fetch }) {
  const fetchFn = options.fetch ?? fetch;
  const base = options.keyServerUrl.replace(/\/+$/, '');

  async function forward(path: string, body: unknown, res: ServerResponse): Promise<void> {
    let answer: Response;
    try {
      answer = await fetchFn(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      return sendJson(res, 502, { error: `The key server (${base}) could not be reached.` });
    }
    const bytes = new Uint8Array(await answer.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (bytes.byteLength > MAX_BYTES) return sendJson(res, 502, { error: 'The key server’s answer is too large.' });
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // e.g. nginx's HTML 413 page, or a maintenance page
      json = {
        error:
          answer.status === 413
            ? 'The key server refused the key as too large.'
            : `The key server answered HTTP ${answer.status}.`,
      };
    }
    sendJson(res, answer.status, json);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/api/vks/upload' && path !== '/api/vks/request-verify') return false;
    if (req.method !== 'POST') return (sendJson(res, 405, { error: 'Method not allowed.' }), true);
    const auth = await options.auth.authenticate(req.headers.authorization);
    if (!auth.ok) {
      req.resume();
      return (sendJson(res, auth.status, { error: auth.reason }), true);
    }
    const body = await readJsonBody(req, MAX_BYTES);
    if (!body.ok) return (sendJson(res, body.status, { error: body.reason }), true);
    if (path === '/api/vks/upload') {
      if (typeof body.value.keytext !== 'string')
        return (sendJson(res, 400, { error: 'Send { "keytext": "<armored public key>" }.' }), true);
      if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(body.value.keytext))
        return (sendJson(res, 400, { error: 'That is a secret key; only public keys are uploaded.' }), true);
      await forward('/vks/v1/upload', { keytext: body.value.keytext }, res);
      return true;
    }
    const { token, addresses } = body.value;
    if (typeof token !== 'string' || !Array.isArray(addresses) || !addresses.every((a) => typeof a === 'string')) {
      return (sendJson(res, 400, { error: 'Send { "token", "addresses": [...] }.' }), true);
    }
    const foreign = addresses.filter((a) => !options.auth.owns(auth.caller, a));
    if (foreign.length)
      return (
        sendJson(res, 403, { error: `Verification mail goes only to your own addresses, not ${foreign.join(', ')}.` }),
        true
      );
    await forward('/vks/v1/request-verify', { token, addresses: addresses.map((a) => asciiLower(a)) }, res);
    return true;
  };
}
