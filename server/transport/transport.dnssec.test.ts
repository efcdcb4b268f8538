import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDnsServer } from './dns-client';
import { createTransportChecker } from './transport-check';

const peers = process.env.PEERS_STATE_DIR ?? '/tmp/pgp-composer-peers';
const checker = () =>
  createTransportChecker({
    resolver: parseDnsServer(`127.0.0.1:${process.env.DNS_RESOLVER_PORT ?? 5354}`),
    policy: {
      port: Number(process.env.DNS_POLICY_PORT ?? 28543),
      caFile: `${peers}/dns/tls/ca.crt`,
      allowPrivate: true,
      timeoutMs: 5000,
    },
    isLocal: (d) => d === 'example.test',
  });

/** Knot signs, Unbound validates with a private trust anchor, nginx serves the policies (scripts/peers/dns-start.sh). */
describe.runIf(process.env.DNS_PEER === 'ready')('transport status with real DNSSEC (Knot + Unbound)', () => {
  it('tells each test domain apart', async () => {
    const c = checker();
    const domains = [
      'dane.test',
      'sts.test',
      'sts-testing.test',
      'sts-redirect.test',
      'plain.test',
      'insecure.test',
      'bogus.test',
      'example.test',
    ];
    const reports = await Promise.all(domains.map((d) => c.check(d)));
    expect(Object.fromEntries(reports.map((r) => [r.domain, r.status]))).toEqual({
      'dane.test': 'dane',
      'sts.test': 'mta-sts',
      'sts-testing.test': 'mta-sts-testing',
      'sts-redirect.test': 'opportunistic',
      'plain.test': 'opportunistic',
      'insecure.test': 'opportunistic',
      'bogus.test': 'dnssec-bogus',
      'example.test': 'local',
    });
    const byDomain = Object.fromEntries(reports.map((r) => [r.domain, r]));
    expect(byDomain['dane.test']!.dane).toMatchObject({
      mxSecure: true,
      summary: 'all',
      hosts: [{ host: 'mx1.dane.test', tlsa: 'secure', usable: 1 }],
    });
    expect(byDomain['sts.test']).toMatchObject({
      tlsrpt: true,
      mtaSts: { mode: 'enforce', mxAllMatch: true, txtId: '20261205T000000' },
    });
    expect(byDomain['sts-redirect.test']!.mtaSts).toMatchObject({ error: expect.stringMatching(/redirects/) });
    expect(byDomain['insecure.test']).toMatchObject({ mx: { secure: false }, dane: { hosts: [{ tlsa: 'insecure' }] } });
    expect(byDomain['insecure.test']!.detail).toMatch(/not DNSSEC-signed/);
    expect(byDomain['plain.test']).toMatchObject({ mx: { secure: true }, mtaSts: null, tlsrpt: false });
  });

  it('a name that does not exist is unknown; the second check of a domain is answered from the cache', async () => {
    const c = checker();
    expect(await c.check('nothing-here.test')).toMatchObject({ status: 'unknown', detail: /does not exist/ });
    await c.check('sts.test');
    const fetches = () =>
      readFileSync(`${peers}/dns/logs/nginx-access.log`, 'utf8')
        .split('\n')
        .filter((l) => l.includes('mta-sts.txt')).length;
    const before = fetches();
    expect((await c.check('sts.test')).status).toBe('mta-sts');
    expect(fetches()).toBe(before); // the policy was kept for its max_age
  });
});
