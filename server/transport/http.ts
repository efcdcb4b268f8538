import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseDnsServer, type DnsServer } from './dns-client';
import { createTransportChecker, type TransportConfig, type TransportReport } from './transport-check';
import type { PolicyFetchConfig } from './policy-fetch';

/** Domains one request may name (a message's recipients rarely span more). */
export const MAX_TRANSPORT_BATCH = 50;
/** A batch answers within this; domains still being checked then are answered `unknown`. */
const BATCH_DEADLINE_MS = 15_000;

export type TransportEnvConfig = { resolver: DnsServer; policy: PolicyFetchConfig };

/** The system's first name server (for TRANSPORT_RESOLVER's default). */
function systemResolver(): DnsServer {
  try {
    const line = readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .find((l) => /^\s*nameserver\s+\S+/.test(l));
    if (line) return parseDnsServer(line.trim().split(/\s+/)[1]!);
  } catch {
    // no resolv.conf: fall through
  }
  return { host: '127.0.0.1', port: 53 };
}

/** TRANSPORT_RESOLVER, TRANSPORT_HTTPS_PORT, TRANSPORT_CA_FILE, TRANSPORT_ALLOW_PRIVATE (README). */
export function transportConfigFromEnv(env: NodeJS.ProcessEnv): TransportEnvConfig {
  return {
    resolver: env.TRANSPORT_RESOLVER ? parseDnsServer(env.TRANSPORT_RESOLVER) : systemResolver(),
    policy: {
      port: Number(env.TRANSPORT_HTTPS_PORT ?? 443),
      caFile: env.TRANSPORT_CA_FILE || null,
      allowPrivate: env.TRANSPORT_ALLOW_PRIVATE === '1',
      timeoutMs: Number(env.TRANSPORT_TIMEOUT_MS ?? 10_000),
    },
  };
}

const unknown = (domain: string, detail: string): TransportReport => ({
  domain,
  checkedAt: new Date().toISOString(),
  status: 'unknown',
  detail,
  resolver: { addr: '', validating: false },
  mx: null,
  mtaSts: null,
  dane: { mxSecure: false, hosts: [], summary: 'none' },
  tlsrpt: false,
});

/**
 * `GET /api/transport?domain=…`: one domain's report as JSON; with several `domain` parameters,
 * NDJSON, a line per domain as soon as its check ends (like /api/wkd/batch).
 */
export function createTransportHandler(config: TransportEnvConfig & Pick<TransportConfig, 'isLocal'>) {
  const checker = createTransportChecker(config);
  const json = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET') return void res.writeHead(405).end();
    const domains = new URL(req.url ?? '/', 'http://localhost').searchParams.getAll('domain');
    if (domains.length === 0)
      return void res.writeHead(400, json).end(JSON.stringify({ error: 'No domain given (?domain=example.org).' }));
    if (domains.length > MAX_TRANSPORT_BATCH)
      return void res
        .writeHead(400, json)
        .end(JSON.stringify({ error: `At most ${MAX_TRANSPORT_BATCH} domains per request.` }));
    const checkOne = (domain: string) =>
      checker.check(domain).catch((e: unknown) => unknown(domain, e instanceof Error ? e.message : String(e)));
    if (domains.length === 1) {
      const report = await checkOne(domains[0]!);
      const bad = report.status === 'unknown' && /is not a domain name/.test(report.detail);
      return void res.writeHead(bad ? 400 : 200, json).end(JSON.stringify(report));
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    let closed = false;
    res.on('close', () => (closed = true));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((ok) => (timer = setTimeout(() => ok('expired'), BATCH_DEADLINE_MS)));
    await Promise.all(
      [...new Set(domains)].map(async (domain) => {
        const report = await Promise.race([
          checkOne(domain),
          expired.then(() => unknown(domain, `The check took longer than ${BATCH_DEADLINE_MS / 1000} s.`)),
        ]);
        if (!closed) res.write(`${JSON.stringify({ ...report, asked: domain })}\n`);
      }),
    );
    clearTimeout(timer);
    res.end();
  };
}
