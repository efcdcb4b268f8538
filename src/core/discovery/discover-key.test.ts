import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import { createDiscovery, type KeystoreLookup } from './discover-key';
import { createKeyLookup } from './key-lookup';
import type { DiscoverySettings } from './types';
import { wkdLocation } from './wkd-url';

const crypto = createCryptoApi();
type Route = (init: RequestInit) => Response | Promise<Response>;

function fakeFetch(routes: Record<string, Route>) {
  const calls: string[] = [];
  const fn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push(url);
    const route = routes[url];
    if (!route) throw new TypeError('Failed to fetch');
    const response = await route(init);
    Object.defineProperty(response, 'url', { value: url });
    return response;
  }) as typeof fetch;
  return { fn, calls };
}

const binary = (bytes: Uint8Array) => () =>
  new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': 'application/octet-stream' } });
const status = (code: number) => () => new Response('nope', { status: code });
const ndjson = (lines: object[]) => () =>
  new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
const never: Route = (init) =>
  new Promise((_, fail) =>
    init.signal?.addEventListener('abort', () => fail(new DOMException('aborted', 'AbortError'))),
  );

const settings = (over: Partial<DiscoverySettings> = {}): DiscoverySettings => ({
  useWkd: true,
  keyServer: 'https://keys.example',
  wkdMode: 'browser',
  proxyBase: null,
  ...over,
});
const emptyKeystore: KeystoreLookup = {
  autocryptPeer: async () => null,
  entriesFor: async () => [],
  get: async () => {
    throw new Error('none');
  },
};
const discovery = (
  routes: Record<string, Route>,
  over: Partial<DiscoverySettings> = {},
  keystore: KeystoreLookup = emptyKeystore,
) => {
  const f = fakeFetch(routes);
  return {
    calls: f.calls,
    service: createDiscovery({
      lookUp: createKeyLookup({ fetch: f.fn, crypto, timeoutMs: 200 }),
      keystore,
      settings: () => settings(over),
    }),
  };
};
const vks = (address: string) => `https://keys.example/vks/v1/by-email/${encodeURIComponent(address)}`;

async function key(userIds: { name?: string; email: string }[], options: Record<string, unknown> = {}) {
  const generate = openpgp.generateKey as unknown as (
    o: Record<string, unknown>,
  ) => Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }>;
  return generate({ userIDs: userIds, format: 'binary', ...options });
}

let bob: Uint8Array;
let bobFpr: string;
let loc: Awaited<ReturnType<typeof wkdLocation>>;
beforeAll(async () => {
  bob = (
    await key([
      { name: 'Bob', email: 'bob@example.org' },
      { name: 'Bob at work', email: 'bob@work.example' },
    ])
  ).publicKey;
  bobFpr = (await openpgp.readKey({ binaryKey: bob })).getFingerprint().toUpperCase();
  loc = await wkdLocation('Bob@Example.org');
});

describe('discoverKey', () => {
  it('finds a key through the advanced method and keeps only the queried user ID', async () => {
    const { service, calls } = discovery({ [loc.advanced]: binary(bob) });
    const r = await service.discoverKey('Bob@Example.org');
    expect(r).toMatchObject({ status: 'found', source: 'wkd', fingerprint: bobFpr, url: loc.advanced });
    if (r.status !== 'found') throw new Error();
    expect(r.summary.userIds.map((u) => u.email)).toEqual(['bob@example.org']);
    expect(calls).toEqual([loc.advanced]);
  });

  it('falls back to the direct method only on a network-level failure, never on an HTTP answer', async () => {
    const viaDirect = discovery({ [loc.direct]: binary(bob) });
    expect(await viaDirect.service.discoverKey('Bob@Example.org')).toMatchObject({ status: 'found', url: loc.direct });
    const after404 = discovery({
      [loc.advanced]: status(404),
      [loc.direct]: binary(bob),
      [vks('Bob@Example.org')]: status(404),
    });
    expect(await after404.service.discoverKey('Bob@Example.org')).toMatchObject({ status: 'none' });
    expect(after404.calls).not.toContain(loc.direct);
  });

  it('goes on to VKS when WKD has nothing, accepting armored answers', async () => {
    const armored = openpgp.armor(openpgp.enums.armor.publicKey, bob);
    const { service } = discovery({
      [loc.advanced]: status(404),
      [vks('Bob@Example.org')]: () => new Response(armored, { headers: { 'Content-Type': 'application/pgp-keys' } }),
    });
    expect(await service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'found',
      source: 'vks',
      fingerprint: bobFpr,
    });
  });

  it('a domain whose WKD hosts cannot be reached counts as no WKD; then VKS 404 means none', async () => {
    const r = await discovery({ [vks('Bob@Example.org')]: status(404) }).service.discoverKey('Bob@Example.org');
    expect(r.status).toBe('none');
    expect(r.failures.map((f) => f.reason)).toEqual(['no-wkd', 'not-found']);
  });

  it('a failed source with no key found is an error, never none: VKS unreachable, 429, 5xx, timeout, oversize', async () => {
    const cases: [Record<string, Route>, string][] = [
      [{ [loc.advanced]: status(404) }, 'network'],
      [{ [loc.advanced]: status(404), [vks('Bob@Example.org')]: status(429) }, 'rate-limited'],
      [{ [loc.advanced]: status(503), [vks('Bob@Example.org')]: status(404) }, 'http-error'],
      [{ [loc.advanced]: never, [vks('Bob@Example.org')]: status(404) }, 'timeout'],
      [
        { [loc.advanced]: () => new Response(new Uint8Array(300 * 1024)), [vks('Bob@Example.org')]: status(404) },
        'too-large',
      ],
    ];
    for (const [routes, reason] of cases) {
      const r = await discovery(routes).service.discoverKey('Bob@Example.org');
      expect(r.status, reason).toBe('error');
      expect(
        r.failures.map((f) => f.reason),
        reason,
      ).toContain(reason);
    }
  });

  it('rejects a key without a user ID for the address, and garbage', async () => {
    const other = (await key([{ email: 'mallory@example.org' }])).publicKey;
    const r = await discovery({
      [loc.advanced]: binary(other),
      [vks('Bob@Example.org')]: status(404),
    }).service.discoverKey('Bob@Example.org');
    expect(r).toMatchObject({ status: 'none', failures: [{ reason: 'no-matching-user-id' }, { reason: 'not-found' }] });
    const garbage = await discovery({
      [loc.advanced]: binary(new Uint8Array([0x99, 1, 2, 3])),
      [vks('Bob@Example.org')]: status(404),
    }).service.discoverKey('Bob@Example.org');
    expect(garbage).toMatchObject({ status: 'error', failures: [{ reason: 'bad-data' }, { reason: 'not-found' }] });
  });

  it('picks the valid key when the answer also holds a revoked one; reports expired, revoked, weak and encryption-less keys as invalid', async () => {
    const old = await key([{ email: 'bob@example.org' }]);
    const revoked = await openpgp.revokeKey({
      key: await openpgp.readPrivateKey({ binaryKey: old.privateKey }),
      format: 'binary',
    });
    const both = new Uint8Array([...(revoked.publicKey as Uint8Array), ...bob]);
    expect(await discovery({ [loc.advanced]: binary(both) }).service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'found',
      fingerprint: bobFpr,
    });

    const expired = (
      await key([{ email: 'bob@example.org' }], { keyExpirationTime: 10, date: new Date(Date.now() - 3600_000) })
    ).publicKey;
    const weak = (
      await key([{ email: 'bob@example.org' }], { type: 'rsa', rsaBits: 1024, config: { minRSABits: 1024 } })
    ).publicKey;
    const signOnly = (await key([{ email: 'bob@example.org' }], { subkeys: [{ sign: true }] })).publicKey;
    for (const [bytes, problem] of [
      [revoked.publicKey as Uint8Array, /revoked/i],
      [expired, /expired/i],
      [weak, /RSA 1024/],
      [signOnly, /encryption/i],
    ] as const) {
      const r = await discovery({
        [loc.advanced]: binary(bytes),
        [vks('Bob@Example.org')]: status(404),
      }).service.discoverKey('Bob@Example.org');
      expect(r.status).toBe('invalid');
      if (r.status === 'invalid') expect(r.problem).toMatch(problem);
    }
  });

  it('uses a usable key from the keystore without any network request', async () => {
    const stored = await crypto.inspectKeys(bob);
    const keystore = {
      autocryptPeer: async () => null,
      entriesFor: async () => [
        {
          v: 1,
          fingerprint: bobFpr,
          kind: 'public' as const,
          primaryUserId: 'Bob',
          addresses: ['bob@example.org'],
          status: 'valid' as const,
          expires: null,
          algorithm: '',
          created: '',
          version: 4,
          updatedAt: '',
        },
      ],
      get: async () => ({ armoredPublic: stored[0]!.armoredPublic, summary: stored[0]!.summary }),
    };
    const { service, calls } = discovery({}, {}, keystore);
    expect(await service.discoverKey('bob@example.org')).toMatchObject({
      status: 'found',
      source: 'keystore',
      fingerprint: bobFpr,
    });
    expect(calls).toEqual([]);
  });

  it('an expired stored key does not stop the search, and is reported (invalid, from the keystore) when nothing better turns up', async () => {
    const expired = await key([{ email: 'bob@example.org' }], {
      keyExpirationTime: 10,
      date: new Date(Date.now() - 3600_000),
    });
    const [inspected] = await crypto.inspectKeys(expired.publicKey);
    const fpr = inspected!.summary.fingerprint;
    const keystore = {
      autocryptPeer: async () => null,
      entriesFor: async () => [
        {
          v: 1,
          fingerprint: fpr,
          kind: 'public' as const,
          primaryUserId: 'Bob',
          addresses: ['bob@example.org'],
          status: 'expired' as const,
          expires: inspected!.summary.expires,
          algorithm: '',
          created: '',
          version: 4,
          updatedAt: '',
        },
      ],
      get: async () => ({ armoredPublic: inspected!.armoredPublic, summary: inspected!.summary }),
    };
    const nothing = discovery({ [loc.advanced]: status(404), [vks('Bob@Example.org')]: status(404) }, {}, keystore);
    expect(await nothing.service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'invalid',
      source: 'keystore',
      fingerprint: fpr,
      problem: expect.stringMatching(/expired/i),
    });
    expect(nothing.calls.length).toBeGreaterThan(0); // the search went on
    const better = discovery({ [loc.advanced]: binary(bob) }, {}, keystore);
    expect(await better.service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'found',
      source: 'wkd',
      fingerprint: bobFpr,
    });
  });

  it('asks the companion proxy in proxy mode, and uses the browser path when the answer is not the companion’s', async () => {
    const proxyMode = { wkdMode: 'proxy' as const, proxyBase: 'http://127.0.0.1:8080' };
    const batch = 'http://127.0.0.1:8080/api/wkd/batch?address=Bob%40Example.org';
    const single = 'http://127.0.0.1:8080/api/wkd?address=Bob%40Example.org';
    const found = {
      address: 'Bob@Example.org',
      status: 200,
      outcome: 'found',
      method: 'advanced',
      url: loc.advanced,
      key: Buffer.from(bob).toString('base64'),
    };
    const viaProxy = discovery({ [batch]: ndjson([found]) }, proxyMode);
    expect(await viaProxy.service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'found',
      source: 'wkd',
      url: loc.advanced,
    });
    const notFound = discovery(
      {
        [batch]: ndjson([{ address: 'Bob@Example.org', status: 404, outcome: 'not-found', url: loc.advanced }]),
        [vks('Bob@Example.org')]: status(404),
      },
      proxyMode,
    );
    expect(await notFound.service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'none',
      failures: [{ source: 'wkd', reason: 'not-found', url: loc.advanced }, { source: 'vks' }],
    });
    // A companion without the batch endpoint: one request per address.
    const older = discovery(
      {
        [batch]: status(404),
        [single]: () =>
          new Response(bob as Uint8Array<ArrayBuffer>, {
            headers: { 'Content-Type': 'application/octet-stream', 'X-WKD-URL': loc.advanced },
          }),
      },
      proxyMode,
    );
    expect(await older.service.discoverKey('Bob@Example.org')).toMatchObject({ status: 'found', url: loc.advanced });
    expect(older.calls).toEqual([batch, single]);
    // A static host answers everything with its index.html: not a companion, so the browser asks WKD itself.
    const html = () => new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } });
    const staticHost = discovery({ [batch]: html, [single]: html, [loc.advanced]: binary(bob) }, proxyMode);
    expect(await staticHost.service.discoverKey('Bob@Example.org')).toMatchObject({
      status: 'found',
      url: loc.advanced,
    });
    // No companion reachable at all: the same.
    const down = discovery({ [loc.advanced]: binary(bob) }, proxyMode);
    expect(await down.service.discoverKey('Bob@Example.org')).toMatchObject({ status: 'found', url: loc.advanced });
    expect(down.calls).toEqual([batch, single, loc.advanced]);
  });

  it('asks the proxy once for recipients added together, each answer used as it streams in', async () => {
    const proxyMode = { wkdMode: 'proxy' as const, proxyBase: 'http://127.0.0.1:8080' };
    const carol = (await key([{ email: 'carol@example.net' }])).publicKey;
    const line = (address: string, bytes: Uint8Array) => ({
      address,
      status: 200,
      outcome: 'found',
      url: `https://openpgpkey.example/${address}`,
      key: Buffer.from(bytes).toString('base64'),
    });
    let release!: () => void;
    const slowLine = new Promise<void>((ok) => (release = ok));
    const batchUrl =
      'http://127.0.0.1:8080/api/wkd/batch?address=Bob%40Example.org&address=carol%40example.net&address=dan%40example.net';
    const { service, calls } = discovery(
      {
        [batchUrl]: () =>
          new Response(
            new ReadableStream({
              async start(controller) {
                controller.enqueue(new TextEncoder().encode(JSON.stringify(line('carol@example.net', carol)) + '\n'));
                await slowLine;
                controller.enqueue(new TextEncoder().encode(JSON.stringify(line('Bob@Example.org', bob)) + '\n'));
                controller.close();
              },
            }),
            { headers: { 'Content-Type': 'application/x-ndjson' } },
          ),
        [vks('dan@example.net')]: status(404),
      },
      proxyMode,
    );
    const dan = new AbortController();
    const results = [
      service.discoverKey('Bob@Example.org'),
      service.discoverKey('carol@example.net'),
      service.discoverKey('dan@example.net', { signal: dan.signal }),
    ];
    // Carol's line arrives first and is used at once, while Bob's look-up is still running.
    await expect(results[1]).resolves.toMatchObject({
      status: 'found',
      summary: { userIds: [{ email: 'carol@example.net' }] },
    });
    dan.abort();
    await expect(results[2]).rejects.toMatchObject({ name: 'AbortError' });
    release();
    await expect(results[0]).resolves.toMatchObject({ status: 'found', fingerprint: bobFpr });
    expect(calls).toEqual([batchUrl]);
  });

  it('a proxy answer that ends without an address, or never comes, is an error for it, not "no key"', async () => {
    const proxyMode = { wkdMode: 'proxy' as const, proxyBase: 'http://127.0.0.1:8080' };
    const batch = 'http://127.0.0.1:8080/api/wkd/batch?address=Bob%40Example.org';
    const cut = await discovery(
      { [batch]: ndjson([]), [vks('Bob@Example.org')]: status(404) },
      proxyMode,
    ).service.discoverKey('Bob@Example.org');
    expect(cut).toMatchObject({
      status: 'error',
      failures: [{ source: 'wkd', reason: 'network' }, { reason: 'not-found' }],
    });
    const silent = await discovery(
      { [batch]: never, [vks('Bob@Example.org')]: status(404) },
      proxyMode,
    ).service.discoverKey('Bob@Example.org');
    expect(silent).toMatchObject({
      status: 'error',
      failures: [{ source: 'wkd', reason: 'timeout' }, { reason: 'not-found' }],
    });
  });

  it('respects settings: no WKD, no key server', async () => {
    const { service, calls } = discovery({}, { useWkd: false, keyServer: '' });
    expect(await service.discoverKey('bob@example.org')).toMatchObject({ status: 'none', failures: [] });
    expect(calls).toEqual([]);
  });
});

describe('the Autocrypt key as a source', () => {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const withAutocrypt = (keydata: string, fingerprint: string): KeystoreLookup => ({
    ...emptyKeystore,
    autocryptPeer: async () => ({
      v: 1,
      address: 'bob@example.org',
      lastSeen: '2026-11-20T00:00:00.000Z',
      autocryptTimestamp: '2026-11-20T00:00:00.000Z',
      publicKey: keydata,
      fingerprint,
      preferEncrypt: true,
      gossipTimestamp: null,
      gossipKey: null,
      gossipFingerprint: null,
    }),
  });

  it('is used after WKD and before the key server, with where it came from', async () => {
    const { service, calls } = discovery(
      { [loc.advanced]: status(404), [vks('Bob@Example.org')]: status(404) },
      {},
      withAutocrypt(base64(bob), bobFpr),
    );
    const r = await service.discoverKey('Bob@Example.org');
    expect(r).toMatchObject({
      status: 'found',
      source: 'autocrypt',
      fingerprint: bobFpr,
      url: null,
      autocrypt: { from: 'header', seen: '2026-11-20T00:00:00.000Z', stale: false },
    });
    expect(calls).toEqual([loc.advanced]); // the key server was not asked
  });

  it('a key the domain publishes wins over it', async () => {
    const other = (await key([{ email: 'bob@example.org' }])).publicKey;
    const { service } = discovery({ [loc.advanced]: binary(bob) }, {}, withAutocrypt(base64(other), 'X'));
    expect(await service.discoverKey('Bob@Example.org')).toMatchObject({ source: 'wkd', fingerprint: bobFpr });
  });

  it('a key without a user ID for the address, or keydata that is no key, is not used: the search goes on', async () => {
    const stranger = (await key([{ email: 'eve@evil.example' }])).publicKey;
    for (const keydata of [base64(stranger), base64(new Uint8Array([1, 2, 3])), '%%%']) {
      const { service, calls } = discovery(
        { [loc.advanced]: status(404), [vks('Bob@Example.org')]: status(404) },
        {},
        withAutocrypt(keydata, 'X'),
      );
      const r = await service.discoverKey('Bob@Example.org');
      expect(r.status).not.toBe('found');
      expect(r.failures.map((f) => f.source)).toContain('autocrypt');
      expect(calls).toContain(vks('Bob@Example.org'));
    }
  });
});
