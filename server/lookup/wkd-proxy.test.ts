import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCryptoApi } from '../../src/core/crypto/api';
import { createDiscovery } from '../../src/core/discovery/discover-key';
import { createKeyLookup } from '../../src/core/discovery/key-lookup';
import { PEER_HOST_MAP, peerKey, WKD_PEER_DIR, wkdPeerState } from '../../src/testing/wkd-peer';
import { startAppServer } from '../app-server';
import { isNonPublicAddress } from './addresses';
import { lookupWkdForProxy, wkdProxyConfigFromEnv } from './wkd-proxy';

const crypto = createCryptoApi();

describe('non-public address check', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '2001:db8::1',
    'not-an-ip',
  ])('%s is refused', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(true);
  });
  it.each(['93.184.216.34', '172.32.0.1', '8.8.8.8', '2a00:1450:4001::1'])('%s is public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(false);
  });
});

const peer = wkdPeerState();

describe.skipIf(!peer.run)(
  `WKD proxy against a GnuPG-built WKD (nginx, HTTPS)${peer.run ? '' : ` — skipped: ${peer.reason}`}`,
  () => {
    const config = wkdProxyConfigFromEnv({
      WKD_PROXY_ALLOW_PRIVATE: '1',
      WKD_PROXY_HOST_MAP: PEER_HOST_MAP,
      WKD_PROXY_CA_FILE: join(WKD_PEER_DIR, 'tls', 'ca.crt'),
    });

    it('fetches with the advanced method when openpgpkey.<domain> resolves, and the key is carol’s', async () => {
      const answer = await lookupWkdForProxy('carol@wkd.test', config);
      expect(answer.status).toBe(200);
      expect(answer.headers).toMatchObject({
        'X-WKD-Method': 'advanced',
        'X-WKD-URL': expect.stringMatching(
          /^https:\/\/openpgpkey\.wkd\.test\/\.well-known\/openpgpkey\/wkd\.test\/hu\//,
        ),
      });
      const { keys } = await crypto.keysForAddress(new Uint8Array(answer.body as Buffer), 'carol@wkd.test');
      expect(keys[0]).toMatchObject({ usable: true, summary: { fingerprint: peerKey('carol').fingerprint } });
    });

    it('uses the direct method only when the advanced host has no address', async () => {
      const answer = await lookupWkdForProxy('frank@direct.test', config);
      expect(answer).toMatchObject({ status: 200, headers: { 'X-WKD-Method': 'direct' } });
    });

    it('answers not-found (no direct fallback) on a 404, no-wkd for a domain without WKD, 400 for a non-address', async () => {
      expect(await lookupWkdForProxy('nobody@wkd.test', config)).toMatchObject({
        status: 404,
        body: { outcome: 'not-found' },
        headers: { 'X-WKD-Method': 'advanced' },
      });
      expect(await lookupWkdForProxy('x@nowhere.test', config)).toMatchObject({
        status: 404,
        body: { outcome: 'no-wkd' },
      });
      expect(await lookupWkdForProxy('x@unmapped.example', { ...config, onlyMapped: true })).toMatchObject({
        status: 404,
        body: { outcome: 'no-wkd' },
      });
      expect(await lookupWkdForProxy('not an address', config)).toMatchObject({ status: 400 });
    });

    it('publishes only the queried user ID (erin) and matches a mixed-case local part (Joe.Doe)', async () => {
      const erin = await lookupWkdForProxy('erin@wkd.test', config);
      expect((await crypto.keysForAddress(new Uint8Array(erin.body as Buffer), 'erin@elsewhere.example')).keys).toEqual(
        [],
      );
      const joe = await lookupWkdForProxy('joe.doe@wkd.test', config);
      const { keys } = await crypto.keysForAddress(new Uint8Array(joe.body as Buffer), 'joe.doe@wkd.test');
      expect(keys[0]).toMatchObject({ usable: true, summary: { fingerprint: peerKey('joedoe').fingerprint } });
    });

    it('refuses loopback targets unless the test setting allows them (SSRF)', async () => {
      const strict = { ...config, allowPrivate: false };
      expect(await lookupWkdForProxy('carol@wkd.test', strict)).toMatchObject({
        status: 403,
        body: { outcome: 'refused' },
      });
    });

    it('refuses a certificate it does not trust', async () => {
      const untrusted = { ...config, extraCaFile: null };
      expect(await lookupWkdForProxy('carol@wkd.test', untrusted)).toMatchObject({
        status: 502,
        body: { outcome: 'network' },
      });
    });

    it('serves the discovery service end to end through the companion server (proxy mode)', async () => {
      const server = await startAppServer({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(WKD_PEER_DIR, '..', 'proxy-test-data'),
        serve: 'none',
        distDir: '',
        corsOrigins: [],
        seedDemo: false,
        prefillAccount: null,
        wkdProxy: config,
      });
      try {
        const discovery = createDiscovery({
          lookUp: createKeyLookup({ fetch, crypto }),
          keystore: {
            autocryptPeer: async () => null,
            entriesFor: async () => [],
            get: async () => {
              throw new Error('none');
            },
          },
          settings: () => ({ useWkd: true, keyServer: '', wkdMode: 'proxy', proxyBase: server.url }),
        });
        expect(await discovery.discoverKey('dave@wkd.test')).toMatchObject({
          status: 'found',
          source: 'wkd',
          fingerprint: peerKey('dave').fingerprint,
        });
        expect(await discovery.discoverKey('nobody@wkd.test')).toMatchObject({
          status: 'none',
          failures: [{ source: 'wkd', reason: 'not-found' }],
        });
      } finally {
        await server.close();
      }
    });

    it('answers a batch as one line per address, and the discovery service asks once for recipients added together', async () => {
      const server = await startAppServer({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(WKD_PEER_DIR, '..', 'proxy-test-data'),
        serve: 'none',
        distDir: '',
        corsOrigins: [],
        seedDemo: false,
        prefillAccount: null,
        wkdProxy: config,
      });
      try {
        const raw = await fetch(
          `${server.url}api/wkd/batch?address=carol%40wkd.test&address=nobody%40wkd.test&address=not%20an%20address&address=frank%40direct.test`,
        );
        expect(raw.headers.get('content-type')).toBe('application/x-ndjson');
        const lines = (await raw.text())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines).toHaveLength(4);
        const byAddress = Object.fromEntries(lines.map((l) => [l.address, l]));
        expect(byAddress['carol@wkd.test']).toMatchObject({
          status: 200,
          outcome: 'found',
          method: 'advanced',
          url: expect.stringContaining('openpgpkey.wkd.test'),
          key: expect.any(String),
        });
        const { keys } = await crypto.keysForAddress(
          Buffer.from(byAddress['carol@wkd.test']!.key as string, 'base64'),
          'carol@wkd.test',
        );
        expect(keys[0]?.summary.fingerprint).toBe(peerKey('carol').fingerprint);
        expect(byAddress['nobody@wkd.test']).toMatchObject({ status: 404, outcome: 'not-found' });
        expect(byAddress['not an address']).toMatchObject({ status: 400, outcome: 'bad-request' });
        expect(byAddress['frank@direct.test']).toMatchObject({ status: 200, method: 'direct' });
        expect((await fetch(`${server.url}api/wkd/batch`)).status).toBe(400);
        expect(
          (
            await fetch(
              `${server.url}api/wkd/batch?${Array.from({ length: 51 }, (_, i) => `address=u${i}%40wkd.test`).join('&')}`,
            )
          ).status,
        ).toBe(400);

        const asked: string[] = [];
        const counting = ((input: RequestInfo | URL, init?: RequestInit) => (
          asked.push(String(input)),
          fetch(input, init)
        )) as typeof fetch;
        const discovery = createDiscovery({
          lookUp: createKeyLookup({ fetch: counting, crypto }),
          keystore: {
            autocryptPeer: async () => null,
            entriesFor: async () => [],
            get: async () => {
              throw new Error('none');
            },
          },
          settings: () => ({ useWkd: true, keyServer: '', wkdMode: 'proxy', proxyBase: server.url }),
        });
        const results = await Promise.all(
          ['carol@wkd.test', 'dave@wkd.test', 'frank@direct.test', 'nobody@wkd.test', 'x@nowhere.test'].map((a) =>
            discovery.discoverKey(a),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(['found', 'found', 'found', 'none', 'none']);
        expect(results.map((r) => (r.status === 'found' ? r.fingerprint : null)).slice(0, 3)).toEqual([
          peerKey('carol').fingerprint,
          peerKey('dave').fingerprint,
          peerKey('frank').fingerprint,
        ]);
        expect(asked).toHaveLength(1);
        expect(asked[0]).toContain('/api/wkd/batch?');
      } finally {
        await server.close();
      }
    });
  },
);
