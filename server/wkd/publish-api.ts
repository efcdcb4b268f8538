import type { IncomingMessage, ServerResponse } from 'node:http';
import { wkdLocation } from '../../src/core/discovery/wkd-url';
import { parseRecipient } from '../../src/core/mime/recipient-parser';
import { MAX_KEY_BYTES } from '../../src/core/limits';
import { readJsonBody, sendJson } from './http-util';
import { parseSubmittedKey, publishableFor } from './key-check';
import type { Caller, PublishAuth } from './publish-auth';
import type { WkdTree } from './wkd-tree';

/** An armored key is about 4/3 of its binary size, plus headers and JSON around it. */
const MAX_BODY_BYTES = Math.ceil((MAX_KEY_BYTES * 4) / 3) + 16 * 1024;

type Published = { address: string; status: 'published' | 'revoked'; fingerprint: string; hash: string; url: string };
type Rejected = { address: string; status: number; reason: string };

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * The publishing API of the companion's web key directory:
 * - `POST /api/wkd/publish` `{ key, addresses? }`: publish the key for the caller's addresses (all its
 *   user IDs' addresses the caller owns when none are named), each file with only that address's user ID;
 * - `DELETE /api/wkd/publish/<address>` (or `?address=`): withdraw it;
 * - `GET /api/wkd/status?address=`: what the directory serves for one of the caller's addresses.
 * Every request carries the caller's JMAP credentials (see publish-auth.ts). Returns false for other paths.
 */
export function createPublishApi(options: {
  tree: WkdTree;
  domains: Set<string>;
  auth: PublishAuth;
  now?: () => Date;
}) {
  const now = options.now ?? (() => new Date());

  /** Why `caller` may not publish for `address`, as an HTTP status and words; null when it may. */
  function refusalFor(caller: Caller, address: string): Rejected | null {
    const parsed = parseRecipient(address);
    if (!parsed.valid) return { address, status: 400, reason: `"${address}" is not an e-mail address.` };
    if (!options.domains.has(domainOf(address))) {
      return {
        address,
        status: 403,
        reason: `This server publishes keys for ${[...options.domains].join(', ')} only, not ${domainOf(address)}.`,
      };
    }
    if (!options.auth.owns(caller, address))
      return { address, status: 403, reason: `${address} is not an address of your account.` };
    return null;
  }

  async function publish(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!body.ok) return sendJson(res, body.status, { error: body.reason });
    const parsed = await parseSubmittedKey(body.value.key);
    if (!parsed.ok) return sendJson(res, parsed.status, { error: parsed.reason });
    const { key } = parsed;
    const named = body.value.addresses;
    if (named !== undefined && !(Array.isArray(named) && named.every((a) => typeof a === 'string'))) {
      return sendJson(res, 400, { error: '"addresses" must be a list of e-mail addresses.' });
    }
    const addresses =
      named ??
      [...new Set(key.users.flatMap((u) => (u.userID?.email ? [u.userID.email] : [])))].filter(
        (a) => options.auth.owns(caller, a) && options.domains.has(domainOf(a)),
      );
    if (addresses.length === 0)
      return sendJson(res, 422, {
        error: 'The key has no user ID for an address of yours that this server publishes.',
      });
    const published: Published[] = [];
    const rejected: Rejected[] = [];
    for (const address of addresses as string[]) {
      const refusal = refusalFor(caller, address);
      if (refusal) {
        rejected.push(refusal);
        continue;
      }
      const current = await options.tree.readAddress(address);
      const verdict = await publishableFor(key, address, now(), current?.meta?.fingerprint ?? null);
      if (!verdict.ok) {
        rejected.push({ address, status: verdict.status, reason: verdict.reason });
        continue;
      }
      if (current?.meta?.revokedAt && current.meta.fingerprint === verdict.fingerprint && !verdict.revoked) {
        // A copy without the revocation (from a device that has not seen it) must not un-revoke the key.
        rejected.push({
          address,
          status: 409,
          reason: 'This key’s revocation is published here; a copy without it cannot replace it.',
        });
        continue;
      }
      const at = now().toISOString();
      const wasRevoked =
        current?.meta?.revokedAt && current.meta.fingerprint === verdict.fingerprint ? current.meta.revokedAt : null;
      await options.tree.write(address, verdict.bytes, {
        fingerprint: verdict.fingerprint,
        publishedAt: at,
        revokedAt: verdict.revoked ? (wasRevoked ?? at) : null,
      });
      const loc = await wkdLocation(address);
      published.push({
        address: address.toLowerCase(),
        status: verdict.revoked ? 'revoked' : 'published',
        fingerprint: verdict.fingerprint,
        hash: loc.hash,
        url: loc.advanced,
      });
    }
    // One address asked for and refused: the refusal's own status, so the reason is unmistakable.
    const status = published.length === 0 ? (rejected[0]?.status ?? 422) : 200;
    sendJson(res, status, {
      published,
      rejected,
      ...(status !== 200 ? { error: rejected.map((r) => r.reason).join(' ') } : {}),
    });
  }

  async function status(address: string, res: ServerResponse, caller: Caller): Promise<void> {
    const refusal = refusalFor(caller, address);
    if (refusal) return sendJson(res, refusal.status, { error: refusal.reason });
    const entry = await options.tree.readAddress(address);
    if (!entry) return sendJson(res, 200, { address, status: 'not-published' });
    sendJson(res, 200, {
      address,
      status: entry.meta?.revokedAt ? 'revoked' : 'published',
      fingerprint: entry.meta?.fingerprint ?? null,
      publishedAt: entry.meta?.publishedAt ?? null,
    });
  }

  async function withdraw(address: string, res: ServerResponse, caller: Caller): Promise<void> {
    const refusal = refusalFor(caller, address);
    if (refusal) return sendJson(res, refusal.status, { error: refusal.reason });
    const entry = await options.tree.readAddress(address);
    // A served revocation stays until its time is up: withdrawing it would hide the revocation.
    if (entry?.meta?.revokedAt)
      return sendJson(res, 409, {
        error: 'The directory serves this key’s revocation; it stays for its full period.',
        status: 'revoked',
      });
    await options.tree.remove(address);
    sendJson(res, 200, { address, status: 'not-published' });
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const isPublish = path === '/api/wkd/publish' || path.startsWith('/api/wkd/publish/');
    if (!isPublish && path !== '/api/wkd/status') return false;
    const auth = await options.auth.authenticate(req.headers.authorization);
    if (!auth.ok) {
      req.resume();
      sendJson(res, auth.status, { error: auth.reason });
      return true;
    }
    const addressParam = path.startsWith('/api/wkd/publish/')
      ? decodeURIComponent(path.slice('/api/wkd/publish/'.length))
      : (url.searchParams.get('address') ?? '');
    if (path === '/api/wkd/status' && req.method === 'GET') await status(addressParam, res, auth.caller);
    else if (isPublish && req.method === 'POST' && path === '/api/wkd/publish') await publish(req, res, auth.caller);
    else if (isPublish && req.method === 'DELETE') await withdraw(addressParam, res, auth.caller);
    else sendJson(res, 405, { error: 'Method not allowed.' });
    return true;
  };
}
