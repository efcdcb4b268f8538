import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type * as dns from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedDns, type ScriptedAnswer, type ScriptedDns } from '../testing/scripted-dns';
import { makeTestCertificates } from '../testing/test-ca';
import { parseDnsServer } from './dns-client';
import { createTransportHandler } from './http';
import { mxMatches, parseStsPolicy, parseStsTxt } from './mta-sts';
import { createTransportChecker, normalizeDomain } from './transport-check';

const mx = (name: string, ...hosts: string[]): dns.Answer[] =>
  hosts.map((exchange, i) => ({ type: 'MX', name, ttl: 300, data: { preference: 10 * (i + 1), exchange } }));
const txt = (name: string, ...values: string[]): dns.Answer[] =>
  values.map((data) => ({ type: 'TXT', name, ttl: 300, data }));
const a = (name: string): dns.Answer[] => [{ type: 'A', name, ttl: 300, data: '127.0.0.1' }];
const tlsa = (name: string, usage = 3): dns.Answer[] => [
  { type: 'TLSA', name, ttl: 300, data: { usage, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) } },
];
const policy = (mode: string, ...mxPatterns: string[]) =>
  `version: STSv1\r\nmode: ${mode}\r\n${mxPatterns.map((m) => `mx: ${m}\r\n`).join('')}max_age: 86400\r\n`;

type PolicyAnswer = { status?: number; type?: string; body?: string; delayMs?: number; location?: string };

/** A domain with one MX, its TXT id, and the policy its mta-sts host serves. */
function stsDomain(script: Record<string, ScriptedAnswer>, domain: string, id: string | null, secure = true) {
  script[`${domain}/MX`] = { ad: secure, answers: mx(domain, `mx1.${domain}`) };
  if (id) script[`_mta-sts.${domain}/TXT`] = { ad: secure, answers: txt(`_mta-sts.${domain}`, `v=STSv1; id=${id};`) };
  script[`mta-sts.${domain}/A`] = { ad: secure, answers: a(`mta-sts.${domain}`) };
}

let dnsServer: ScriptedDns;
let https: HttpsServer;
let certs: ReturnType<typeof makeTestCertificates>;
const policies = new Map<string, PolicyAnswer>();
const policyHits: string[] = [];

const STS_DOMAINS = [
  'enforce',
  'testing',
  'none',
  'redirect',
  'missing',
  'html',
  'big',
  'slow',
  'wild',
  'old',
  'change',
  'two',
  'badid',
  'both',
  'uncovered',
  'notfound',
];

beforeAll(async () => {
  certs = makeTestCertificates(STS_DOMAINS.map((d) => `mta-sts.${d}.example`));
  https = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const host = String(req.headers.host);
    policyHits.push(host);
    const answer = policies.get(host) ?? { status: 404, body: 'no' };
    setTimeout(() => {
      res.writeHead(answer.status ?? 200, {
        'Content-Type': answer.type ?? 'text/plain',
        ...(answer.location ? { Location: answer.location } : {}),
      });
      res.end(answer.body ?? '');
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((ok) => https.listen(0, '127.0.0.1', ok));

  const script: Record<string, ScriptedAnswer> = {};
  for (const d of STS_DOMAINS) stsDomain(script, `${d}.example`, d === 'missing' ? null : `id${d}1`);
  policies.set('mta-sts.enforce.example', { body: policy('enforce', 'mx1.enforce.example') });
  script['_smtp._tls.enforce.example/TXT'] = {
    ad: true,
    answers: txt('_smtp._tls.enforce.example', 'v=TLSRPTv1; rua=mailto:r@enforce.example'),
  };
  policies.set('mta-sts.testing.example', { body: policy('testing', 'mx1.testing.example') });
  policies.set('mta-sts.none.example', { body: 'version: STSv1\nmode: none\nmax_age: 86400\n' });
  policies.set('mta-sts.redirect.example', {
    status: 301,
    location: 'https://mta-sts.enforce.example/.well-known/mta-sts.txt',
  });
  policies.set('mta-sts.html.example', { type: 'text/html', body: policy('enforce', 'mx1.html.example') });
  policies.set('mta-sts.big.example', { body: policy('enforce', 'mx1.big.example') + `x: ${'y'.repeat(70 * 1024)}\n` });
  policies.set('mta-sts.slow.example', { delayMs: 2500, body: policy('enforce', 'mx1.slow.example') });
  policies.set('mta-sts.wild.example', { body: policy('enforce', '*.wild.example') });
  policies.set('mta-sts.old.example', {
    body: 'version: STSv1\nmode: enforce\nmx: mx1.old.example\nmax_age: 31557601\n',
  });
  policies.set('mta-sts.uncovered.example', { body: policy('enforce', 'mail.elsewhere.example') });
  policies.set('mta-sts.both.example', { body: policy('enforce', 'mx1.both.example') });
  script['_25._tcp.mx1.both.example/TLSA'] = { ad: true, answers: tlsa('_25._tcp.mx1.both.example') };
  script['_mta-sts.two.example/TXT'] = {
    ad: true,
    answers: txt('_mta-sts.two.example', 'v=STSv1; id=a1;', 'v=STSv1; id=b2;'),
  };
  script['_mta-sts.badid.example/TXT'] = { ad: true, answers: txt('_mta-sts.badid.example', 'v=STSv1; id=not-ok!;') };
  // A domain outside the certificate's names.
  stsDomain(script, 'wrongcert.example', 'w1');
  policies.set('mta-sts.wrongcert.example', { body: policy('enforce', 'mx1.wrongcert.example') });
  // DANE: signed MX and signed TLSA with a usable record.
  script['dane.example/MX'] = { ad: true, answers: mx('dane.example', 'mx1.dane.example', 'mx2.dane.example') };
  script['_25._tcp.mx1.dane.example/TLSA'] = { ad: true, answers: tlsa('_25._tcp.mx1.dane.example') };
  // The second TLSA answer is too large for UDP in real life: TC makes the client ask over TCP.
  script['_25._tcp.mx2.dane.example/TLSA'] = {
    ad: true,
    truncate: true,
    answers: tlsa('_25._tcp.mx2.dane.example', 2),
  };
  script['insecuremx.example/MX'] = { ad: false, answers: mx('insecuremx.example', 'mx1.insecuremx.example') };
  script['_25._tcp.mx1.insecuremx.example/TLSA'] = { ad: true, answers: tlsa('_25._tcp.mx1.insecuremx.example') };
  script['pkix.example/MX'] = { ad: true, answers: mx('pkix.example', 'mx1.pkix.example') };
  script['_25._tcp.mx1.pkix.example/TLSA'] = { ad: true, answers: tlsa('_25._tcp.mx1.pkix.example', 1) };
  script['bogus.example/MX'] = { rcode: 'SERVFAIL' };
  script['bogustlsa.example/MX'] = { ad: true, answers: mx('bogustlsa.example', 'mx1.bogustlsa.example') };
  script['_25._tcp.mx1.bogustlsa.example/TLSA'] = { rcode: 'SERVFAIL' };
  script['plain.example/MX'] = { ad: false, answers: mx('plain.example', 'mx.plain.example') };
  script['quiet.example/MX'] = { silent: true };
  script['xn--bcher-kva.example/MX'] = { ad: true, answers: mx('xn--bcher-kva.example', 'mx1.xn--bcher-kva.example') };
  script['_25._tcp.mx1.xn--bcher-kva.example/TLSA'] = { ad: true, answers: tlsa('_25._tcp.mx1.xn--bcher-kva.example') };
  dnsServer = await startScriptedDns(script);
}, 30_000);

afterAll(async () => {
  await dnsServer?.close();
  await new Promise<void>((ok) => (https ? https.close(() => ok()) : ok()));
  certs?.cleanup();
});

const checker = (over: { ttlClamp?: [number, number]; timeoutMs?: number; resolver?: string } = {}) =>
  createTransportChecker({
    resolver: parseDnsServer(over.resolver ?? dnsServer.address),
    policy: {
      port: (https.address() as AddressInfo).port,
      caFile: certs.caFile,
      allowPrivate: true,
      timeoutMs: over.timeoutMs ?? 1500,
    },
    isLocal: (d) => d === 'local.example',
    dnsTimeoutMs: 800,
    ...(over.ttlClamp ? { ttlClamp: over.ttlClamp } : {}),
  });

describe('MTA-STS rules (RFC 8461)', () => {
  it('reads exactly one v=STSv1 TXT record with a 1-32 character id', () => {
    expect(parseStsTxt(['v=STSv1; id=20260101T000000;'])).toEqual({ id: '20260101T000000' });
    expect(parseStsTxt(['v=spf1 -all'])).toBeNull();
    expect(parseStsTxt(['v=STSv1; id=a;', 'v=STSv1; id=b;'])).toMatchObject({
      problem: expect.stringMatching(/more than one/),
    });
    expect(parseStsTxt(['v=STSv1; id=;'])).toMatchObject({ problem: expect.any(String) });
    expect(parseStsTxt([`v=STSv1; id=${'a'.repeat(33)};`])).toMatchObject({ problem: expect.any(String) });
  });

  it('parses the policy strictly and bounds max_age', () => {
    expect(parseStsPolicy(policy('enforce', 'mx.example.org', '*.example.net'))).toEqual({
      mode: 'enforce',
      mx: ['mx.example.org', '*.example.net'],
      maxAge: 86400,
    });
    expect(parseStsPolicy('version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n')).toMatchObject({
      problem: expect.any(String),
    });
    expect(parseStsPolicy('version: STSv1\nmode: strict\nmx: a.b\nmax_age: 1\n')).toMatchObject({
      problem: expect.any(String),
    });
    expect(parseStsPolicy('version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n')).toMatchObject({
      problem: expect.any(String),
    });
    expect(parseStsPolicy('version: STSv1\nmode: enforce\nmax_age: 60\n')).toMatchObject({ problem: /no mx/ });
    expect(parseStsPolicy('<html>\n')).toMatchObject({ problem: expect.any(String) });
  });

  it('a wildcard covers exactly one label', () => {
    expect(mxMatches('*.example.com', 'mx.example.com')).toBe(true);
    expect(mxMatches('*.example.com', 'MX.Example.COM.')).toBe(true);
    expect(mxMatches('*.example.com', 'a.mx.example.com')).toBe(false);
    expect(mxMatches('*.example.com', 'example.com')).toBe(false);
    expect(mxMatches('mx.example.com', 'mx.example.com')).toBe(true);
    expect(mxMatches('mx.example.com', 'mx2.example.com')).toBe(false);
  });
});

describe('transport check', () => {
  it('enforce covering the MX is mta-sts; TLSRPT is reported', async () => {
    const r = await checker().check('enforce.example');
    expect(r).toMatchObject({
      status: 'mta-sts',
      mtaSts: { txtId: 'idenforce1', mode: 'enforce', mxAllMatch: true, maxAge: 86400 },
      tlsrpt: true,
      resolver: { validating: true },
    });
    expect(r.detail).toMatch(/enforce mode/);
  });

  it('testing, none, uncovered MX and missing TXT', async () => {
    const c = checker();
    expect((await c.check('testing.example')).status).toBe('mta-sts-testing');
    expect((await c.check('none.example')).status).toBe('opportunistic');
    const uncovered = await c.check('uncovered.example');
    expect(uncovered).toMatchObject({ status: 'opportunistic', mtaSts: { mxAllMatch: false } });
    expect(uncovered.detail).toMatch(/does not cover/);
    expect(await c.check('missing.example')).toMatchObject({ status: 'opportunistic', mtaSts: null });
  });

  it('a bad TXT record or policy means no policy, with the reason', async () => {
    const c = checker();
    const cases: [string, RegExp][] = [
      ['two.example', /more than one/],
      ['badid.example', /id/],
      ['redirect.example', /redirects \(HTTP 301\)/],
      ['notfound.example', /HTTP 404/],
      ['html.example', /text\/html/],
      ['big.example', /larger than 64 KiB/],
      ['old.example', /max_age/],
      ['wrongcert.example', /could not be used/],
    ];
    for (const [domain, problem] of cases) {
      const r = await c.check(domain);
      expect(r.status, domain).toBe('opportunistic');
      expect(r.mtaSts, domain).toMatchObject({ error: expect.stringMatching(problem) });
    }
    // The redirect was not followed.
    expect(policyHits.filter((h) => h === 'mta-sts.enforce.example').length).toBeLessThanOrEqual(1);
  });

  it('a policy host on a private or loopback address is not fetched outside tests (SSRF)', async () => {
    const strict = createTransportChecker({
      resolver: parseDnsServer(dnsServer.address),
      policy: {
        port: (https.address() as AddressInfo).port,
        caFile: certs.caFile,
        allowPrivate: false,
        timeoutMs: 1500,
      },
      isLocal: () => false,
    });
    const hits = policyHits.length;
    expect(await strict.check('testing.example')).toMatchObject({
      status: 'opportunistic',
      mtaSts: { error: expect.stringMatching(/private or loopback address; not fetched/) },
    });
    expect(policyHits.length).toBe(hits);
  });

  it('a slow policy server is given up on', async () => {
    const r = await checker({ timeoutMs: 500 }).check('slow.example');
    expect(r).toMatchObject({ status: 'opportunistic', mtaSts: { error: expect.stringMatching(/within 0.5 s/) } });
  });

  it('wildcard mx patterns', async () => {
    expect(await checker().check('wild.example')).toMatchObject({ status: 'mta-sts', mtaSts: { mxAllMatch: true } });
  });

  it('keeps a policy for its max_age while the TXT id is the same, and fetches again when it changes', async () => {
    const c = checker({ ttlClamp: [0, 0] });
    policies.set('mta-sts.change.example', { body: policy('testing', 'mx1.change.example') });
    const hits = () => policyHits.filter((h) => h === 'mta-sts.change.example').length;
    const before = hits();
    expect((await c.check('change.example')).status).toBe('mta-sts-testing');
    expect((await c.check('change.example')).status).toBe('mta-sts-testing');
    expect(hits()).toBe(before + 1);
    policies.set('mta-sts.change.example', { body: policy('enforce', 'mx1.change.example') });
    dnsServer.set('_mta-sts.change.example', 'TXT', {
      ad: true,
      answers: txt('_mta-sts.change.example', 'v=STSv1; id=idchange2;'),
    });
    expect((await c.check('change.example')).status).toBe('mta-sts');
    expect(hits()).toBe(before + 2);
  });

  it('DANE: signed MX and signed, usable TLSA for every MX (TCP when truncated); it wins over MTA-STS', async () => {
    const c = checker();
    const r = await c.check('dane.example');
    expect(r).toMatchObject({
      status: 'dane',
      dane: {
        mxSecure: true,
        summary: 'all',
        hosts: [
          { host: 'mx1.dane.example', tlsa: 'secure', usable: 1 },
          { host: 'mx2.dane.example', tlsa: 'secure', usable: 1 },
        ],
      },
    });
    expect(dnsServer.queries).toContain('_25._tcp.mx2.dane.example/TLSA (tcp)');
    expect((await c.check('both.example')).status).toBe('dane');
  });

  it('DANE does not count on an insecure MX, with only PKIX usages, or from a resolver off this machine', async () => {
    const c = checker();
    const insecure = await c.check('insecuremx.example');
    expect(insecure.status).toBe('opportunistic');
    expect(insecure.detail).toMatch(/MX records are not DNSSEC-signed/);
    expect((await c.check('pkix.example')).status).toBe('opportunistic');
  });

  it('SERVFAIL from the validating resolver is dnssec-bogus, for the MX or a TLSA', async () => {
    const c = checker();
    expect((await c.check('bogus.example')).status).toBe('dnssec-bogus');
    expect((await c.check('bogustlsa.example')).status).toBe('dnssec-bogus');
  });

  it('local domains, nonexistent domains, silent name servers, special-use names off this machine', async () => {
    const c = checker();
    const asked = dnsServer.queries.length;
    expect((await c.check('local.example')).status).toBe('local');
    expect(dnsServer.queries.length).toBe(asked); // nothing asked
    expect(await c.check('nowhere.example')).toMatchObject({ status: 'unknown', detail: /does not exist/ });
    expect(await c.check('quiet.example')).toMatchObject({ status: 'unknown', detail: /could not be read/ });
    const remote = checker({ resolver: '192.0.2.1:53' });
    expect(remote.validating).toBe(false);
    expect(await remote.check('anything.test')).toMatchObject({ status: 'unknown', detail: /special-use/ });
  });

  it('one check per domain at a time, IDN domains as A-labels, bad names refused', async () => {
    const c = checker();
    const before = dnsServer.queries.filter((q) => q === 'plain.example/MX').length;
    const all = await Promise.all(Array.from({ length: 10 }, () => c.check('Plain.Example.')));
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(['opportunistic']));
    expect(dnsServer.queries.filter((q) => q === 'plain.example/MX').length).toBe(before + 1);
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect((await c.check('bücher.example')).status).toBe('dane');
    await expect(c.check('not a domain')).rejects.toThrow(/not a domain/);
    await expect(c.check('localhost')).rejects.toThrow(/not a domain/);
  });
});

describe('GET /api/transport', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const handler = createTransportHandler({
      resolver: parseDnsServer(dnsServer.address),
      policy: {
        port: (https.address() as AddressInfo).port,
        caFile: certs.caFile,
        allowPrivate: true,
        timeoutMs: 1500,
      },
      isLocal: (d) => d === 'local.example',
    });
    server = createHttpServer((req, res) => void handler(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/transport`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('answers one domain as JSON, several as NDJSON lines as each finishes, and refuses bad requests', async () => {
    const one = await fetch(`${base}?domain=enforce.example`);
    expect(one.headers.get('content-type')).toMatch(/application\/json/);
    expect(await one.json()).toMatchObject({ domain: 'enforce.example', status: 'mta-sts' });
    const many = await fetch(`${base}?domain=dane.example&domain=local.example&domain=bogus.example`);
    expect(many.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await many.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { asked: string; status: string });
    expect(Object.fromEntries(lines.map((l) => [l.asked, l.status]))).toEqual({
      'dane.example': 'dane',
      'local.example': 'local',
      'bogus.example': 'dnssec-bogus',
    });
    expect((await fetch(base)).status).toBe(400);
    expect((await fetch(`${base}?domain=${encodeURIComponent('not a domain')}`)).status).toBe(400);
    expect(
      (await fetch(`${base}?${Array.from({ length: 51 }, (_, i) => `domain=d${i}.example`).join('&')}`)).status,
    ).toBe(400);
  });
});
