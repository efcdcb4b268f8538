import { domainToASCII } from 'node:url';
import type * as dns from 'dns-packet';
import { createDnsClient, type DnsAnswer, type DnsServer } from './dns-client';
import { mxMatches, parseStsTxt, type StsPolicy } from './mta-sts';
import { fetchStsPolicy, type PolicyFetchConfig } from './policy-fetch';

/** The contract's `data-transport` values the companion decides (`pending` is the page's own). */
export type TransportStatus =
  'dane' | 'mta-sts' | 'mta-sts-testing' | 'dnssec-bogus' | 'opportunistic' | 'local' | 'unknown';

export type TlsaState = 'secure' | 'insecure' | 'none' | 'bogus' | 'error';

export type TransportReport = {
  domain: string;
  checkedAt: string;
  status: TransportStatus;
  /** What the status rests on, in words. */
  detail: string;
  resolver: { addr: string; validating: boolean };
  mx: { hosts: string[]; secure: boolean } | null;
  mtaSts:
    | { txtId: string; mode: StsPolicy['mode']; mx: string[]; maxAge: number; mxAllMatch: boolean }
    | { error: string }
    | null;
  dane: {
    mxSecure: boolean;
    hosts: { host: string; tlsa: TlsaState; usable: number }[];
    summary: 'all' | 'some' | 'none' | 'bogus';
  };
  tlsrpt: boolean;
};

export type TransportConfig = {
  resolver: DnsServer;
  policy: PolicyFetchConfig;
  /** Domains this server delivers itself (its accounts' domains). */
  isLocal: (domain: string) => boolean;
  dnsTimeoutMs?: number;
  /** DNS answers are kept for their TTL, clamped to this range (seconds). */
  ttlClamp?: [number, number];
  now?: () => number;
};

/** RFC 6761 names: never sent to a resolver off this machine. */
const SPECIAL_USE = /(^|\.)(test|example|invalid|localhost)$/i;

export const isLoopbackResolver = (server: DnsServer) => /^127\./.test(server.host) || server.host === '::1';

/** A domain as asked for: IDN to A-label, lower case, no trailing dot; null when it is not a domain. */
export function normalizeDomain(input: string): string | null {
  const ascii = domainToASCII(input.trim().replace(/\.$/, '')).toLowerCase();
  if (!ascii || ascii.length > 253 || !ascii.includes('.')) return null;
  return ascii.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) ? ascii : null;
}

const txtOf = (a: dns.Answer) =>
  a.type === 'TXT'
    ? [a.data]
        .flat()
        .map((d) => (typeof d === 'string' ? d : d.toString('utf8')))
        .join('')
    : '';

/**
 * The transport posture of recipient domains: MX, MTA-STS (RFC 8461), DANE (RFC 7672) and TLSRPT,
 * through one validating resolver. DNS answers and policies are cached; one check per domain runs
 * at a time however many recipients share it.
 */
export function createTransportChecker(config: TransportConfig) {
  const now = config.now ?? Date.now;
  const [minTtl, maxTtl] = config.ttlClamp ?? [60, 3600];
  const validating = isLoopbackResolver(config.resolver);
  const query = createDnsClient({ server: config.resolver, timeoutMs: config.dnsTimeoutMs ?? 5000 });
  const dnsCache = new Map<string, { expires: number; answer: Promise<DnsAnswer> }>();
  const policies = new Map<string, { id: string; policy: StsPolicy; expires: number }>();
  const running = new Map<string, Promise<TransportReport>>();
  const resolverAddr = `${config.resolver.host}:${config.resolver.port}`;

  function lookup(name: string, type: dns.RecordType): Promise<DnsAnswer> {
    const key = `${name}/${type}`;
    const cached = dnsCache.get(key);
    if (cached && cached.expires > now()) return cached.answer;
    const answer = query(name, type);
    const entry = { expires: Number.POSITIVE_INFINITY, answer };
    dnsCache.set(key, entry);
    answer.then(
      (a) => {
        const ttls = a.answers.map((r) => (r as { ttl?: number }).ttl ?? minTtl);
        const ttl = Math.min(maxTtl, Math.max(minTtl, ttls.length ? Math.min(...ttls) : minTtl));
        entry.expires = a.rcode === 'SERVFAIL' ? now() : now() + ttl * 1000;
      },
      () => dnsCache.delete(key), // a failure is asked again next time
    );
    return answer;
  }

  const records = <T extends dns.Answer['type']>(a: DnsAnswer, type: T) =>
    a.answers.filter((r): r is Extract<dns.Answer, { type: T }> => r.type === type);

  async function addresses(host: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([lookup(host, 'A').catch(() => null), lookup(host, 'AAAA').catch(() => null)]);
    const data = (a: DnsAnswer | null, type: string) =>
      (a?.answers ?? []).filter((r) => r.type === type).map((r) => String((r as { data: unknown }).data));
    return [...data(v4, 'A'), ...data(v6, 'AAAA')];
  }

  /** The domain's MTA-STS policy as published (TXT, then the policy file), before the MX is known. */
  async function stsPolicy(domain: string): Promise<{ id: string; policy: StsPolicy } | { error: string } | null> {
    let txt: DnsAnswer;
    try {
      txt = await lookup(`_mta-sts.${domain}`, 'TXT');
    } catch (e) {
      return { error: `the _mta-sts TXT record could not be read (${(e as Error).message})` };
    }
    const parsed = parseStsTxt(records(txt, 'TXT').map(txtOf));
    if (!parsed) return null;
    if ('problem' in parsed) return { error: parsed.problem };
    let cached = policies.get(domain);
    if (!cached || cached.id !== parsed.id || cached.expires <= now()) {
      const fetched = await fetchStsPolicy(domain, await addresses(`mta-sts.${domain}`), config.policy);
      if ('problem' in fetched) {
        policies.delete(domain);
        return { error: fetched.problem };
      }
      cached = { id: parsed.id, policy: fetched.policy, expires: now() + fetched.policy.maxAge * 1000 };
      policies.set(domain, cached);
    }
    return { id: parsed.id, policy: cached.policy };
  }

  function stsReport(published: Awaited<ReturnType<typeof stsPolicy>>, mxHosts: string[]): TransportReport['mtaSts'] {
    if (!published || 'error' in published) return published;
    const { id, policy } = published;
    return {
      txtId: id,
      mode: policy.mode,
      mx: policy.mx,
      maxAge: policy.maxAge,
      mxAllMatch: mxHosts.length > 0 && mxHosts.every((h) => policy.mx.some((p) => mxMatches(p, h))),
    };
  }

  async function tlsa(host: string): Promise<{ host: string; tlsa: TlsaState; usable: number }> {
    try {
      const a = await lookup(`_25._tcp.${host}`, 'TLSA');
      if (a.rcode === 'SERVFAIL') return { host, tlsa: validating ? 'bogus' : 'error', usable: 0 };
      const found = records(a, 'TLSA');
      if (!found.length) return { host, tlsa: 'none', usable: 0 };
      // Usages 0 and 1 (PKIX) are not usable for SMTP (RFC 7672 §3.1.3).
      const usable = found.filter((r) => r.data.usage === 2 || r.data.usage === 3).length;
      return { host, tlsa: a.ad && validating ? 'secure' : 'insecure', usable };
    } catch {
      return { host, tlsa: 'error', usable: 0 };
    }
  }

  async function run(domain: string): Promise<TransportReport> {
    const base = {
      domain,
      resolver: { addr: resolverAddr, validating },
      mx: null,
      mtaSts: null,
      dane: { mxSecure: false, hosts: [], summary: 'none' as const },
      tlsrpt: false,
    };
    const report = (status: TransportStatus, detail: string, more: Partial<TransportReport> = {}): TransportReport => ({
      ...base,
      ...more,
      status,
      detail,
      checkedAt: new Date(now()).toISOString(),
    });
    if (config.isLocal(domain)) return report('local', `Mail to ${domain} stays on this server.`);
    if (SPECIAL_USE.test(domain) && !validating)
      return report('unknown', `${domain} is a special-use name; it is never asked of a name server off this machine.`);

    // What does not depend on the MX is asked at the same time as the MX.
    const published = stsPolicy(domain);
    const tlsrptPublished = lookup(`_smtp._tls.${domain}`, 'TXT')
      .then((a) => records(a, 'TXT').some((r) => /^v=TLSRPTv1\s*(;|$)/.test(txtOf(r))))
      .catch(() => false);
    let mxAnswer: DnsAnswer;
    try {
      mxAnswer = await lookup(domain, 'MX');
    } catch (e) {
      return report('unknown', `The MX records of ${domain} could not be read: ${(e as Error).message}.`);
    }
    if (mxAnswer.rcode === 'SERVFAIL')
      return validating
        ? report(
            'dnssec-bogus',
            `The validating resolver refused the answers for ${domain} (DNSSEC failure): DANE-aware servers will not deliver there.`,
          )
        : report('unknown', `The name server failed to answer for ${domain}.`);
    if (mxAnswer.rcode === 'NXDOMAIN') return report('unknown', `${domain} does not exist.`);
    const mxRecords = records(mxAnswer, 'MX');
    if (mxRecords.length === 1 && (mxRecords[0]!.data.exchange === '' || mxRecords[0]!.data.exchange === '.'))
      return report('unknown', `${domain} accepts no mail (null MX).`);
    // No MX: the domain itself is the mail host (RFC 5321 §5.1).
    const hosts = mxRecords.length
      ? [...new Set(mxRecords.map((r) => r.data.exchange.toLowerCase().replace(/\.$/, '')))]
      : [domain];
    const mxSecure = mxAnswer.ad && validating;
    const [publishedPolicy, tlsaHosts, tlsrpt] = await Promise.all([
      published,
      Promise.all(hosts.map(tlsa)),
      tlsrptPublished,
    ]);
    const sts = stsReport(publishedPolicy, hosts);
    const anyBogus = tlsaHosts.some((h) => h.tlsa === 'bogus');
    const allSecure = mxSecure && tlsaHosts.every((h) => h.tlsa === 'secure' && h.usable > 0);
    const dane: TransportReport['dane'] = {
      mxSecure,
      hosts: tlsaHosts,
      summary: anyBogus ? 'bogus' : allSecure ? 'all' : tlsaHosts.some((h) => h.tlsa === 'secure') ? 'some' : 'none',
    };
    const more = { mx: { hosts, secure: mxSecure }, mtaSts: sts, dane, tlsrpt };
    const names = hosts.join(', ');
    if (anyBogus)
      return report(
        'dnssec-bogus',
        `The TLSA records of ${names} fail DNSSEC validation: DANE-aware servers will not deliver there.`,
        more,
      );
    if (allSecure)
      return report(
        'dane',
        `${domain}'s mail servers (${names}) publish DNSSEC-signed TLSA records (DANE): a sending server that checks them uses authenticated TLS.`,
        more,
      );
    const policy = sts && 'mode' in sts ? sts : null;
    if (policy?.mode === 'enforce' && policy.mxAllMatch)
      return report(
        'mta-sts',
        `${domain} publishes an MTA-STS policy in enforce mode covering ${names}: a sending server that honours it delivers only over authenticated TLS.`,
        more,
      );
    if (policy?.mode === 'testing')
      return report(
        'mta-sts-testing',
        `${domain}'s MTA-STS policy is in testing mode: failures are reported, not prevented.`,
        more,
      );
    const why: string[] = [];
    if (policy?.mode === 'enforce') why.push(`its MTA-STS policy does not cover ${names}`);
    else if (policy?.mode === 'none') why.push('its MTA-STS policy is "none"');
    else if (sts && 'error' in sts) why.push(`its MTA-STS policy is unusable: ${sts.error}`);
    if (tlsaHosts.some((h) => h.tlsa === 'secure' || h.tlsa === 'insecure') && !allSecure)
      why.push(
        !validating
          ? 'its TLSA records were not validated (the resolver is not on this machine)'
          : !mxSecure
            ? 'its TLSA records do not count: the MX records are not DNSSEC-signed'
            : 'not every mail server has usable, signed TLSA records',
      );
    return report(
      'opportunistic',
      `${domain} promises no TLS: mail goes encrypted only if both servers happen to agree on TLS${why.length ? ` (${why.join('; ')})` : ''}.`,
      more,
    );
  }

  return {
    validating,
    /** The report for one domain; a check already running for it is shared. */
    check(input: string): Promise<TransportReport> {
      const domain = normalizeDomain(input);
      if (!domain) return Promise.reject(new Error(`"${input}" is not a domain name`));
      let pending = running.get(domain);
      if (!pending) {
        pending = run(domain).finally(() => running.delete(domain));
        running.set(domain, pending);
      }
      return pending;
    },
  };
}
