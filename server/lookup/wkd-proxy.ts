import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { wkdLocation } from '../../src/core/discovery/wkd-url';
import { LOOKUP_TIMEOUT_MS, MAX_KEY_BYTES, MAX_LOOKUP_BATCH } from '../../src/core/limits';
import { parseRecipient } from '../../src/core/mime/recipient-parser';
import { isNonPublicAddress } from './addresses';
import { counterSlots } from '../../src/core/jmap/request-slots';
import { createDeadlineResolver, type Resolved } from './resolve-host';

/** Settings for the WKD proxy; the test-only ones come from environment variables (README). */
export type WkdProxyConfig = {
  timeoutMs: number;
  maxBytes: number;
  /** Test setting WKD_PROXY_ALLOW_PRIVATE=1: allow loopback/private targets. */
  allowPrivate: boolean;
  /** Test setting WKD_PROXY_HOST_MAP: `host=ip:port` (or `host=NXDOMAIN`), comma-separated. */
  hostMap: Map<string, { ip: string; port: number } | 'nxdomain'>;
  /** Test setting WKD_PROXY_CA_FILE: one more trusted CA (PEM file, read when used). */
  extraCaFile: string | null;
  /** Test setting WKD_PROXY_ONLY_MAPPED=1: names not in the host map do not exist (no DNS query leaves). */
  onlyMapped: boolean;
  /** WKD_PROXY_RESOLVER: the name server (host:port) asked, with a deadline; default the system's. */
  resolver?: string | null;
};

export function wkdProxyConfigFromEnv(env: NodeJS.ProcessEnv): WkdProxyConfig {
  const hostMap: WkdProxyConfig['hostMap'] = new Map();
  for (const entry of (env.WKD_PROXY_HOST_MAP ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [host, target] = entry.split('=');
    if (!host || !target) throw new Error(`WKD_PROXY_HOST_MAP: bad entry "${entry}"`);
    if (target.toUpperCase() === 'NXDOMAIN') hostMap.set(host.toLowerCase(), 'nxdomain');
    else {
      const at = target.lastIndexOf(':');
      hostMap.set(host.toLowerCase(), { ip: target.slice(0, at), port: Number(target.slice(at + 1)) });
    }
  }
  return {
    timeoutMs: Number(env.WKD_PROXY_TIMEOUT_MS ?? LOOKUP_TIMEOUT_MS),
    maxBytes: MAX_KEY_BYTES,
    allowPrivate: env.WKD_PROXY_ALLOW_PRIVATE === '1',
    hostMap,
    extraCaFile: env.WKD_PROXY_CA_FILE ?? null,
    onlyMapped: env.WKD_PROXY_ONLY_MAPPED === '1',
    resolver: env.WKD_PROXY_RESOLVER || null,
  };
}

const resolvers = new WeakMap<WkdProxyConfig, ReturnType<typeof createDeadlineResolver>>();

async function resolveHost(host: string, config: WkdProxyConfig): Promise<Resolved> {
  const mapped = config.hostMap.get(host);
  if (mapped === 'nxdomain') return { kind: 'none' };
  if (mapped) return { kind: 'address', ...mapped };
  if (config.onlyMapped) return { kind: 'none' };
  let resolve = resolvers.get(config);
  if (!resolve) resolvers.set(config, (resolve = createDeadlineResolver(config.resolver ?? null)));
  return resolve(host);
}

export type Answer = { status: number; body: Buffer | Record<string, unknown>; headers?: Record<string, string> };

/**
 * One keep-alive agent per configuration, with one TLS context: given a CA list, Node would
 * otherwise build a context from ~140 root certificates for every connection (twenty domains in a
 * batch: twenty times).
 */
const agents = new WeakMap<WkdProxyConfig, Agent>();
function agentFor(config: WkdProxyConfig): Agent {
  let agent = agents.get(config);
  if (!agent) {
    const secureContext = config.extraCaFile
      ? createSecureContext({ ca: [...rootCertificates, readFileSync(config.extraCaFile, 'utf8')] })
      : undefined;
    agent = new Agent({ keepAlive: true, maxSockets: 4, ...(secureContext ? { secureContext } : {}) });
    agents.set(config, agent);
  }
  return agent;
}

function fetchPinned(url: URL, target: { ip: string; port: number }, config: WkdProxyConfig): Promise<Answer> {
  return new Promise((done) => {
    const req = request(
      {
        host: target.ip,
        port: target.port,
        servername: url.hostname,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: {
          Host: url.hostname,
          Accept: 'application/octet-stream, application/pgp-keys, */*',
          'User-Agent': 'pgp-composer-wkd-proxy',
        },
        agent: agentFor(config),
        timeout: config.timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          // Redirects are not followed: the proxy fetches only the two WKD URL forms.
          done({
            status: status === 404 ? 404 : 502,
            body: {
              outcome: status === 404 ? 'not-found' : 'http-error',
              url: url.href,
              detail:
                status >= 300 && status < 400
                  ? `Redirect (HTTP ${status}) refused.`
                  : `The WKD server answered HTTP ${status}.`,
            },
          });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > config.maxBytes) {
            req.destroy();
            done({
              status: 502,
              body: {
                outcome: 'too-large',
                url: url.href,
                detail: `The answer is larger than ${config.maxBytes / 1024} KiB.`,
              },
            });
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => done({ status: 200, body: Buffer.concat(chunks), headers: { 'X-WKD-URL': url.href } }));
        res.on('error', () =>
          done({ status: 502, body: { outcome: 'network', url: url.href, detail: 'The connection broke.' } }),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({
        status: 504,
        body: { outcome: 'timeout', url: url.href, detail: `No answer within ${config.timeoutMs / 1000} s.` },
      });
    }, config.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e) =>
      done({
        status: 502,
        body: {
          outcome: 'network',
          url: url.href,
          detail: `Could not fetch (${(e as { code?: string }).code ?? e.message}).`,
        },
      }),
    );
    req.end();
  });
}

/**
 * WKD as draft-koch-openpgp-webkey-service §3.1 says: the advanced method if `openpgpkey.<domain>` has an address,
 * else the direct method. Security: not an open proxy — only those two URL forms, https only,
 * the checked IP is the one connected to (no DNS rebinding), no redirects, size and time caps.
 */
export async function lookupWkdForProxy(address: string, config: WkdProxyConfig): Promise<Answer> {
  const parsed = parseRecipient(address);
  if (!parsed.valid || parsed.mailbox.address !== address.trim())
    return { status: 400, body: { outcome: 'bad-request', detail: 'Not an e-mail address.' } };
  const loc = await wkdLocation(parsed.mailbox.address);
  const advancedHost = `openpgpkey.${loc.domain}`;
  let method: 'advanced' | 'direct' = 'advanced';
  let target = await resolveHost(advancedHost, config);
  if (target.kind === 'error') return { status: 502, body: { outcome: 'network', detail: target.detail } };
  if (target.kind === 'none') {
    method = 'direct';
    target = await resolveHost(loc.domain, config);
    if (target.kind === 'error') return { status: 502, body: { outcome: 'network', detail: target.detail } };
    if (target.kind === 'none')
      return { status: 404, body: { outcome: 'no-wkd', detail: `Neither ${advancedHost} nor ${loc.domain} exists.` } };
  }
  if (!config.allowPrivate && isNonPublicAddress(target.ip)) {
    return {
      status: 403,
      body: {
        outcome: 'refused',
        detail: `${method === 'advanced' ? advancedHost : loc.domain} resolves to a non-public address; not fetched.`,
      },
    };
  }
  const answer = await fetchPinned(new URL(method === 'advanced' ? loc.advanced : loc.direct), target, config);
  return { ...answer, headers: { ...answer.headers, 'X-WKD-Method': method } };
}

/** Look-ups (DNS and fetch) running at once for all clients together (README: limits). */
export const MAX_CONCURRENT_LOOKUPS = 16;

/** A batch answers before the page gives up on it (LOOKUP_TIMEOUT_MS twice, plus a second): what is left then is timed out. */
const batchDeadlineMs = (config: WkdProxyConfig) => 2 * config.timeoutMs;

/** Answers hold bytes from other servers: never sniffed, never run as a page (as downloads are served). */
const ANSWER_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'",
};

/** The companion's own web key directory, as the proxy sees it. */
export type OwnDirectory = { domains: Set<string>; answer(address: string): Promise<Answer> };

/** One line of a batch answer: the single-address answer as JSON, the key bytes in base64. */
export function batchLine(address: string, answer: Answer): string {
  const body = Buffer.isBuffer(answer.body)
    ? { outcome: 'found', url: answer.headers?.['X-WKD-URL'], key: answer.body.toString('base64') }
    : answer.body;
  return `${JSON.stringify({ address, status: answer.status, method: answer.headers?.['X-WKD-Method'], ...body })}\n`;
}

/**
 * `GET /api/wkd?address=…`: one address, the key bytes or a JSON reason.
 * `GET /api/wkd/batch?address=…&address=…`: several addresses looked up at once, answered as
 * NDJSON, one line per address as soon as its look-up ends (a slow domain holds up no other):
 * twenty recipients cost the browser one request instead of twenty, which HTTP/1.1's six
 * connections per host would queue.
 */
export function createWkdProxyHandler(config: WkdProxyConfig, ownDirectory: OwnDirectory | null = null) {
  // One client's batch cannot take every socket.
  const limit = counterSlots(MAX_CONCURRENT_LOOKUPS);
  /** Addresses on the companion's own WKD domains are answered from its directory, without DNS. */
  const lookUp = async (address: string): Promise<Answer> => {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    return ownDirectory?.domains.has(domain)
      ? ownDirectory.answer(address)
      : limit(() => lookupWkdForProxy(address, config));
  };
  try {
    agentFor(config); // its TLS context is built now rather than during the first look-up
  } catch {
    // The extra CA file is not there yet (a test peer still starting): built at first use instead.
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (url.pathname.endsWith('/batch')) return batch(url.searchParams.getAll('address'), res);
    const answer = await lookUp(url.searchParams.get('address') ?? '');
    if (Buffer.isBuffer(answer.body)) {
      res
        .writeHead(answer.status, {
          'Content-Type': 'application/octet-stream',
          'Cache-Control': 'no-store',
          ...ANSWER_HEADERS,
          ...answer.headers,
        })
        .end(answer.body);
    } else {
      res
        .writeHead(answer.status, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
          ...ANSWER_HEADERS,
          ...answer.headers,
        })
        .end(JSON.stringify(answer.body));
    }
  };

  async function batch(addresses: string[], res: ServerResponse): Promise<void> {
    const json = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    if (addresses.length === 0)
      return void res.writeHead(400, json).end(JSON.stringify({ outcome: 'bad-request', detail: 'No address given.' }));
    if (addresses.length > MAX_LOOKUP_BATCH) {
      return void res
        .writeHead(400, json)
        .end(JSON.stringify({ outcome: 'bad-request', detail: `At most ${MAX_LOOKUP_BATCH} addresses per request.` }));
    }
    res.writeHead(200, {
      'Content-Type': 'application/x-ndjson',
      'Cache-Control': 'no-store',
      ...ANSWER_HEADERS,
    });
    let closed = false;
    res.on('close', () => (closed = true));
    // The whole batch ends by its deadline: addresses still waiting then are answered as timed out.
    const deadlineMs = batchDeadlineMs(config);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((ok) => (timer = setTimeout(() => ok('expired'), deadlineMs)));
    await Promise.all(
      [...new Set(addresses)].map(async (address) => {
        const answer = await Promise.race([
          lookUp(address).catch((): Answer => ({
            status: 502,
            body: { outcome: 'network', detail: 'The look-up failed.' },
          })),
          expired.then((): Answer => ({
            status: 504,
            body: { outcome: 'timeout', detail: `The batch took longer than ${deadlineMs / 1000} s.` },
          })),
        ]);
        if (!closed) res.write(batchLine(address, answer));
      }),
    );
    clearTimeout(timer);
    res.end();
  }
}
