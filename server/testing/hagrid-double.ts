import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Key, readKeys } from 'openpgp';
import { publishableKeyFor } from '../../src/core/crypto/impl/publishable-key';

/**
 * A local stand-in for keys.openpgp.org (Hagrid), shaped as its source answers: JSON upload and
 * request-verify without CORS (OPTIONS is 404), verification by a mailed link, by-email /
 * by-fingerprint with `Access-Control-Allow-Origin: *` serving only verified addresses, a
 * switchable 429 and a maintenance 503. Mail is an outbox the tests read. For tests only.
 */
export async function startHagridDouble(options: { port?: number; tokenTtlMs?: number } = {}) {
  type Stored = { key: Key; verified: Set<string>; pending: Set<string> };
  const keys = new Map<string, Stored>();
  const tokens = new Map<string, { fingerprint: string; until: number }>();
  const verifyLinks = new Map<string, { fingerprint: string; address: string }>();
  const outbox: { to: string; link: string; fingerprint: string }[] = [];
  const state = { rateLimited: false, maintenance: false };
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown) =>
    void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const statusOf = (stored: Stored) =>
    Object.fromEntries(
      stored.key.users.flatMap((u) => {
        const email = u.userID?.email.toLowerCase();
        if (!email) return [];
        return [
          [email, stored.verified.has(email) ? 'published' : stored.pending.has(email) ? 'pending' : 'unpublished'],
        ];
      }),
    );

  async function readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 1024 * 1024) return null;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function post(req: IncomingMessage, res: ServerResponse, path: string) {
    if (state.maintenance) return json(res, 503, { error: 'The server is in maintenance mode.' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return json(res, 400, { error: `expected application/json data. see ${base}/about/api for api docs.` });
    }
    const text = await readBody(req);
    if (text === null)
      return void res.writeHead(413, { 'Content-Type': 'text/html' }).end('<html>413 Request Entity Too Large</html>');
    const body = JSON.parse(text) as { keytext?: string; token?: string; addresses?: string[] };
    if (path === '/vks/v1/upload') {
      if (/PRIVATE KEY/.test(body.keytext ?? ''))
        return json(res, 400, { error: "Whoops, please don't upload secret keys!" });
      let parsed: Key[];
      try {
        parsed = await readKeys({ armoredKeys: body.keytext ?? '' });
      } catch {
        return json(res, 400, { error: 'Parsing of key data failed.' });
      }
      if (parsed.length > 1)
        return json(
          res,
          200,
          parsed.map((k) => k.getFingerprint().toUpperCase()),
        );
      const key = parsed[0]!;
      const fingerprint = key.getFingerprint().toUpperCase();
      const stored = keys.get(fingerprint) ?? { key, verified: new Set(), pending: new Set() };
      stored.key = stored.key === key ? key : await stored.key.update(key);
      keys.set(fingerprint, stored);
      const token = randomBytes(12).toString('hex');
      tokens.set(token, { fingerprint, until: Date.now() + (options.tokenTtlMs ?? 3600_000) });
      return json(res, 200, { token, key_fpr: fingerprint, status: statusOf(stored) });
    }
    const session = tokens.get(body.token ?? '');
    if (!session || session.until < Date.now())
      return json(res, 400, { error: 'Upload session expired. Please try again.' });
    const stored = keys.get(session.fingerprint)!;
    for (const address of body.addresses ?? []) {
      const email = address.toLowerCase();
      if (!(email in statusOf(stored)) || stored.verified.has(email)) continue;
      const link = randomBytes(12).toString('hex');
      verifyLinks.set(link, { fingerprint: session.fingerprint, address: email });
      stored.pending.add(email);
      outbox.push({ to: email, link: `${base}/verify/${link}`, fingerprint: session.fingerprint });
    }
    json(res, 200, { token: body.token, key_fpr: session.fingerprint, status: statusOf(stored) });
  }

  async function get(res: ServerResponse, path: string) {
    const cors = { 'Access-Control-Allow-Origin': '*' };
    const notFound = (what: string) =>
      void res.writeHead(404, { ...cors, 'Content-Type': 'text/html' }).end(`No key found for ${what}`);
    if (state.rateLimited)
      return void res.writeHead(429, { ...cors, 'Content-Type': 'text/plain' }).end('Too many requests');
    const verify = /^\/verify\/([0-9a-f]+)$/.exec(path);
    if (verify) {
      const entry = verifyLinks.get(verify[1]!);
      if (!entry) return notFound('this link');
      keys.get(entry.fingerprint)!.pending.delete(entry.address);
      keys.get(entry.fingerprint)!.verified.add(entry.address);
      return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<p>${entry.address} is now published.</p>`);
    }
    let stored: Stored | undefined;
    let address: string | null = null;
    const byEmail = /^\/vks\/v1\/by-email\/(.+)$/.exec(path);
    const byFingerprint = /^\/vks\/v1\/by-fingerprint\/([0-9A-F]{40})$/.exec(path); // uppercase only, as in production
    if (byEmail) {
      address = decodeURIComponent(byEmail[1]!).toLowerCase();
      stored = [...keys.values()].find((k) => k.verified.has(address!));
      if (!stored) return notFound(`email address ${address}`);
    } else if (byFingerprint) {
      stored = keys.get(byFingerprint[1]!);
      if (!stored) return notFound('fingerprint');
    } else return notFound('this path');
    // Only verified user IDs are served, each minimised as the directory does it.
    const parts = await Promise.all(
      [...stored.verified]
        .filter((a) => !address || a === address)
        .map((a) => publishableKeyFor(stored!.key, a, new Date())),
    );
    const body = parts.find((p) => p)?.armor();
    if (!body) return notFound('fingerprint');
    res.writeHead(200, { ...cors, 'Content-Type': 'application/pgp-keys' }).end(body);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    void (async () => {
      if (req.method === 'POST' && (path === '/vks/v1/upload' || path === '/vks/v1/request-verify'))
        return post(req, res, path);
      if (req.method === 'GET') return get(res, path);
      res.writeHead(404).end(); // no OPTIONS: no CORS preflight ever succeeds, as with the real server
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    outbox,
    state,
    close: () => new Promise<void>((ok) => (server.close(() => ok()), server.closeAllConnections())),
  };
}
