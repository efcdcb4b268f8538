import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AccountRow, authenticateBearer } from './accounts';
import type { AuthGuard, AuthOutcome } from './auth-guard';
import { CAPABILITIES, processRequest, RequestError } from './api';
import { BlobTooLarge, blobInfo, blobStream, putBlobStream, storedBytes } from './blobs';
import type { Db } from './db';
import type { ServerLimits } from './limits';
import { createEventSources } from './push';

export type JmapHttpOptions = {
  db: Db;
  limits: ServerLimits;
  /** Origins allowed to call the API from a browser; `*` allows any. */
  corsOrigins: string[];
  authGuard: AuthGuard;
};

const SESSION_STATE = 'S1';

function problem(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/problem+json', ...extraHeaders });
  res.end(JSON.stringify({ status, ...body }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new TooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function authenticate(db: Db, guard: AuthGuard, req: IncomingMessage): Promise<AuthOutcome> {
  const header = req.headers.authorization ?? '';
  const [scheme, value] = [
    header.slice(0, header.indexOf(' ')).toLowerCase(),
    header.slice(header.indexOf(' ') + 1).trim(),
  ];
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, status: 401 };
    return guard.checkBasic(req.socket.remoteAddress ?? '', decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  // Tokens are random and 192 bits long: a hash look-up, nothing to guess or to hash slowly.
  const account = scheme === 'bearer' && value ? authenticateBearer(db, value) : undefined;
  return account ? { ok: true, account } : { ok: false, status: 401 };
}

function applyCors(req: IncomingMessage, res: ServerResponse, allowed: string[]): void {
  const origin = req.headers.origin;
  if (!origin) return;
  if (allowed.includes('*') || allowed.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader(
      'Access-Control-Expose-Headers',
      'Content-Type, Content-Length, Content-Disposition, WWW-Authenticate',
    );
  }
}

/** Absolute URLs for the session resource, built from the host the client used. */
function baseUrl(req: IncomingMessage): string {
  const proto =
    (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() ||
    ('encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');
  return `${proto}://${req.headers.host ?? '127.0.0.1'}`;
}

function sessionResource(req: IncomingMessage, account: AccountRow, limits: ServerLimits) {
  const base = baseUrl(req);
  return {
    capabilities: {
      [CAPABILITIES.core]: {
        maxSizeUpload: limits.maxSizeUpload,
        maxConcurrentUpload: limits.maxConcurrentUpload,
        maxSizeRequest: limits.maxSizeRequest,
        maxConcurrentRequests: limits.maxConcurrentRequests,
        maxCallsInRequest: limits.maxCallsInRequest,
        maxObjectsInGet: limits.maxObjectsInGet,
        maxObjectsInSet: limits.maxObjectsInSet,
        collationAlgorithms: ['i;ascii-casemap'],
      },
      [CAPABILITIES.mail]: {},
      [CAPABILITIES.submission]: {},
    },
    accounts: {
      [account.id]: {
        name: account.username,
        isPersonal: true,
        isReadOnly: false,
        accountCapabilities: {
          [CAPABILITIES.mail]: {
            maxMailboxesPerEmail: null,
            maxMailboxDepth: 1,
            maxSizeMailboxName: 255,
            maxSizeAttachmentsPerEmail: limits.maxMessageSize,
            emailQuerySortOptions: ['receivedAt', 'sentAt', 'size', 'subject', 'from', 'to'],
            mayCreateTopLevelMailbox: false,
          },
          [CAPABILITIES.submission]: {
            maxDelayedSend: 0,
            submissionExtensions: { SIZE: [String(limits.maxMessageSize)] },
          },
        },
      },
    },
    primaryAccounts: { [CAPABILITIES.mail]: account.id, [CAPABILITIES.submission]: account.id },
    username: account.username,
    apiUrl: `${base}/jmap/api/`,
    downloadUrl: `${base}/jmap/download/{accountId}/{blobId}/{name}?type={type}`,
    uploadUrl: `${base}/jmap/upload/{accountId}/`,
    eventSourceUrl: `${base}/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}`,
    state: SESSION_STATE,
  };
}

const contentDisposition = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

/**
 * The JMAP HTTP endpoints (RFC 8620 §2, §3.1, §6). Returns false for paths that are not JMAP,
 * so the caller can serve the app there.
 */
export function createJmapHandler(options: JmapHttpOptions) {
  const { db, limits } = options;
  /** Requests (and uploads) running per account, against maxConcurrentRequests (maxConcurrentUpload). */
  const running = { api: new Map<string, number>(), upload: new Map<string, number>() };
  const eventSources = createEventSources({ db, problem });
  return Object.assign(handle, { closeStreams: eventSources.closeAll });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== '/.well-known/jmap' && !path.startsWith('/jmap/') && path !== '/jmap') return false;
    applyCors(req, res, options.corsOrigins);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return true;
    }
    const auth = await authenticate(db, options.authGuard, req);
    if (!auth.ok) {
      if (auth.status !== 401) {
        req.resume();
        problem(
          res,
          auth.status,
          {
            type: 'about:blank',
            title: auth.status === 429 ? 'Too Many Requests' : 'Service Unavailable',
            detail:
              auth.status === 429
                ? 'Too many failed sign-ins for this user from this address; try again later'
                : 'Too many sign-ins are being checked; try again in a moment',
          },
          { 'Retry-After': String(auth.retryAfterSeconds) },
        );
        return true;
      }
      problem(
        res,
        401,
        { type: 'about:blank', title: 'Unauthorized', detail: 'Valid credentials are required' },
        {
          'WWW-Authenticate': 'Basic realm="JMAP", charset="UTF-8"',
        },
      );
      return true;
    }
    const account = auth.account;
    try {
      if ((path === '/.well-known/jmap' || path === '/jmap/session') && req.method === 'GET') {
        json(res, 200, sessionResource(req, account, limits));
      } else if (
        (path === '/jmap/api/' || path === '/jmap/api' || path.startsWith('/jmap/upload/')) &&
        req.method !== 'POST'
      ) {
        problem(res, 405, { type: 'about:blank', detail: 'Use POST' });
      } else if (path === '/jmap/api/' || path === '/jmap/api') {
        await handleApi(req, res, account);
      } else if (path.startsWith('/jmap/upload/')) {
        await handleUpload(req, res, account, decodeURIComponent(path.split('/')[3] ?? ''));
      } else if (path.startsWith('/jmap/download/') && req.method === 'GET') {
        const [, , , accountId = '', blobId = '', name = ''] = path.split('/').map(decodeURIComponent);
        handleDownload(res, account, {
          accountId,
          blobId,
          name,
          type: url.searchParams.get('type') ?? 'application/octet-stream',
        });
      } else if (path.startsWith('/jmap/eventsource') && req.method === 'GET') {
        eventSources.handle(req, res, account.id, url);
      } else {
        problem(res, 404, { type: 'about:blank', detail: 'No such JMAP endpoint' });
      }
    } catch (e) {
      // A client that went away mid-request is not a server failure.
      if (!req.destroyed) console.error('[jmap] request failed:', e);
      if (!res.headersSent) problem(res, 500, { type: 'about:blank', detail: 'Internal error' });
      else res.destroy();
    }
    return true;
  }

  async function counted(kind: 'api' | 'upload', account: AccountRow, res: ServerResponse, run: () => Promise<void>) {
    const max = kind === 'api' ? limits.maxConcurrentRequests : limits.maxConcurrentUpload;
    const now = running[kind].get(account.id) ?? 0;
    if (now >= max) {
      const name = kind === 'api' ? 'maxConcurrentRequests' : 'maxConcurrentUpload';
      return problem(
        res,
        429,
        new RequestError(
          'limit',
          `At most ${max} ${kind === 'api' ? 'requests' : 'uploads'} at once per account`,
          name,
        ).toProblem(),
        {
          'Retry-After': '1',
        },
      );
    }
    running[kind].set(account.id, now + 1);
    try {
      await run();
    } finally {
      const left = (running[kind].get(account.id) ?? 1) - 1;
      if (left) running[kind].set(account.id, left);
      else running[kind].delete(account.id);
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, account: AccountRow) {
    return counted('api', account, res, () => runApi(req, res, account));
  }

  async function runApi(req: IncomingMessage, res: ServerResponse, account: AccountRow) {
    let raw: Buffer;
    try {
      raw = await readBody(req, limits.maxSizeRequest);
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
      return problem(
        res,
        400,
        new RequestError(
          'limit',
          `Requests are limited to ${limits.maxSizeRequest} bytes`,
          'maxSizeRequest',
        ).toProblem(),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return problem(res, 400, new RequestError('notJSON', 'The request body is not valid JSON').toProblem());
    }
    try {
      json(res, 200, await processRequest(body, { db, account, limits }, SESSION_STATE));
    } catch (e) {
      if (e instanceof RequestError) return problem(res, 400, e.toProblem());
      throw e;
    }
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, account: AccountRow, accountId: string) {
    if (accountId !== account.id) return problem(res, 404, { type: 'about:blank', detail: 'No such account' });
    return counted('upload', account, res, () => runUpload(req, res, account));
  }

  async function runUpload(req: IncomingMessage, res: ServerResponse, account: AccountRow) {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (storedBytes(db, account.id) + (Number.isFinite(declared) ? declared : 0) > limits.accountQuota) {
      req.resume();
      res.setHeader('Connection', 'close');
      return problem(res, 413, {
        ...new RequestError(
          'limit',
          `The account's storage (${limits.accountQuota} bytes) is full`,
          'accountQuota',
        ).toProblem(),
        status: 413,
      });
    }
    const tooLarge = () => {
      res.setHeader('Connection', 'close');
      return problem(
        res,
        413,
        new RequestError('limit', `Uploads are limited to ${limits.maxSizeUpload} bytes`, 'maxSizeUpload').toProblem(),
      );
    };
    if (Number.isFinite(declared) && declared > limits.maxSizeUpload) {
      req.resume();
      return tooLarge();
    }
    const type =
      (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
    // Streamed to disk as it arrives, never held whole; beyond the limit it is dropped.
    let overQuota = false;
    let blob;
    try {
      blob = await putBlobStream(db, account.id, req, type, limits.maxSizeUpload, (size) => {
        overQuota = storedBytes(db, account.id) + size > limits.accountQuota;
        return !overQuota;
      });
    } catch (e) {
      if (!(e instanceof BlobTooLarge)) throw e;
      if (!overQuota) return tooLarge();
      return problem(res, 413, {
        ...new RequestError(
          'limit',
          `The account's storage (${limits.accountQuota} bytes) is full`,
          'accountQuota',
        ).toProblem(),
        status: 413,
      });
    }
    json(res, 201, { accountId: account.id, blobId: blob.id, type, size: blob.size });
  }

  function handleDownload(
    res: ServerResponse,
    account: AccountRow,
    p: { accountId: string; blobId: string; name: string; type: string },
  ) {
    const blob = p.accountId === account.id ? blobInfo(db, account.id, p.blobId) : undefined;
    if (!blob) return problem(res, 404, { type: 'about:blank', detail: 'No such blob' });
    res.writeHead(200, {
      'Content-Type': /^[\w.+-]+\/[\w.+-]+$/.test(p.type) ? p.type : 'application/octet-stream',
      'Content-Length': String(blob.size),
      'Content-Disposition': contentDisposition(p.name || 'download'),
      'Cache-Control': 'private, immutable, max-age=31536000',
      'X-Content-Type-Options': 'nosniff',
      // Blobs share the app's origin: never let one run as a page.
      'Content-Security-Policy': "sandbox; default-src 'none'",
    });
    const body = blobStream(db, account.id, blob.id)!;
    body.on('error', () => res.destroy());
    body.pipe(res);
  }
}
