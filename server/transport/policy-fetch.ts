import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { readFileSync } from 'node:fs';
import { isNonPublicAddress } from '../lookup/addresses';
import { MAX_POLICY_BYTES, parseStsPolicy, type StsPolicy } from './mta-sts';

export type PolicyFetchConfig = {
  /** 443, or another port in tests (TRANSPORT_HTTPS_PORT). */
  port: number;
  /** One more trusted CA (TRANSPORT_CA_FILE), read when used. */
  caFile: string | null;
  /** Allow loopback and private targets (TRANSPORT_ALLOW_PRIVATE=1, tests only). */
  allowPrivate: boolean;
  timeoutMs: number;
};

/**
 * GET https://mta-sts.<domain>/.well-known/mta-sts.txt at an address found through our own resolver
 * (RFC 8461 §3.3): the certificate must be valid for that host, only 200 counts (no redirect is
 * followed), the type must be text/plain, at most 64 KiB, within the time limit.
 */
export async function fetchStsPolicy(
  domain: string,
  addresses: string[],
  config: PolicyFetchConfig,
): Promise<{ policy: StsPolicy } | { problem: string; redirected?: boolean }> {
  const host = `mta-sts.${domain}`;
  const address = addresses[0];
  if (!address) return { problem: `${host} has no address` };
  if (!config.allowPrivate && addresses.some(isNonPublicAddress))
    return { problem: `${host} resolves to a private or loopback address; not fetched` };
  const ca = config.caFile ? [...rootCertificates, readFileSync(config.caFile, 'utf8')] : undefined;
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: { policy: StsPolicy } | { problem: string; redirected?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const req = request(
      {
        host: address,
        port: config.port,
        servername: host,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        headers: { Host: host, 'User-Agent': 'pgp-composer-companion' },
        ...(ca ? { ca } : {}),
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400)
          return done({
            problem: `the policy server redirects (HTTP ${status}), which is not followed`,
            redirected: true,
          });
        if (status !== 200) return done({ problem: `the policy server answered HTTP ${status}` });
        const type = String(res.headers['content-type'] ?? '');
        if (!/^text\/plain\s*(;|$)/i.test(type))
          return done({ problem: `the policy is served as "${type}", not text/plain` });
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES)
            return done({ problem: `the policy is larger than ${MAX_POLICY_BYTES / 1024} KiB` });
          chunks.push(chunk);
        });
        res.on('end', () => {
          const parsed = parseStsPolicy(Buffer.concat(chunks).toString('utf8'));
          done('problem' in parsed ? { problem: parsed.problem } : { policy: parsed });
        });
        res.on('error', (e) => done({ problem: `the policy download failed: ${e.message}` }));
      },
    );
    const timer = setTimeout(
      () => done({ problem: `no policy from ${host} within ${config.timeoutMs / 1000} s` }),
      config.timeoutMs,
    );
    req.on('error', (e) =>
      done({ problem: `the policy server could not be used: ${(e as NodeJS.ErrnoException).code ?? e.message}` }),
    );
    req.end();
  });
}
