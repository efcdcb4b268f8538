import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineProxy, startTestServer } from '../testing/test-server';
import { wkdLocation } from '../../src/core/discovery/wkd-url';
import type { RunningAppServer } from '../app-server';
import { createAccount } from '../jmap/accounts';
import { startHagridDouble } from '../testing/hagrid-double';
import { createPublishAuth } from './publish-auth';
import { createWkdTree } from './wkd-tree';

let server: RunningAppServer;
let running: Awaited<ReturnType<typeof startTestServer>>;
let hagrid: Awaited<ReturnType<typeof startHagridDouble>>;
const basic = (user: string, password = `${user.split('@')[0]}-pass`) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice@example.test');

async function keyFor(
  userIDs: { name?: string; email: string }[],
  extra: Partial<Parameters<typeof openpgp.generateKey>[0]> = {},
) {
  return openpgp.generateKey({ userIDs, format: 'object', ...extra } as Parameters<typeof openpgp.generateKey>[0] & {
    format: 'object';
  });
}

async function publish(body: unknown, authorization = ALICE) {
  const response = await fetch(new URL('/api/wkd/publish', server.url), {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as { error?: string; published: { address: string; status: string }[] },
  };
}

/** GET with a Host header of our choice (fetch does not allow setting it). */
function getWithHost(url: URL, host: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = httpGet(url, { headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
  });
}

async function served(address: string, host?: string) {
  const loc = await wkdLocation(address);
  if (host) {
    const { status, body } = await getWithHost(new URL(`/.well-known/openpgpkey/hu/${loc.hash}`, server.url), host);
    return {
      status,
      headers: null,
      key: status === 200 ? await openpgp.readKey({ binaryKey: new Uint8Array(body) }) : null,
    };
  }
  const response = await fetch(new URL(`/.well-known/openpgpkey/${loc.domain}/hu/${loc.hash}?l=x`, server.url));
  const key =
    response.status === 200 ? await openpgp.readKey({ binaryKey: new Uint8Array(await response.arrayBuffer()) }) : null;
  return { status: response.status, headers: response.headers, key };
}

let alice: Awaited<ReturnType<typeof keyFor>>;
beforeAll(async () => {
  hagrid = await startHagridDouble();
  running = await startTestServer('publish-test', {
    wkdProxy: offlineProxy(),
    publishing: { keyServerUrl: hagrid.url },
  });
  ({ server } = running);
  createAccount(server.db, {
    username: 'wild@example.test',
    name: 'Wild',
    password: 'wild-pass',
    aliases: [{ email: '*@example.test', name: 'Any' }],
  });
  alice = await keyFor([
    { name: 'Alice', email: 'alice@example.test' },
    { name: 'Alice', email: 'alice.alias@example.test' },
    { name: 'Alice Private', email: 'alice@private.example' },
  ]);
});
afterAll(async () => {
  await running?.stop();
  await hagrid?.close();
});

describe('the companion’s web key directory, publishing with the account’s own credentials', () => {
  it('publishes a bound key for the caller’s address and serves it with only that user ID (advanced and direct), with CORS', async () => {
    const { status, json } = await publish({ key: alice.publicKey.armor(), addresses: ['alice@example.test'] });
    expect(status).toBe(200);
    expect(json.published).toMatchObject([{ address: 'alice@example.test', status: 'published' }]);
    const advanced = await served('alice@example.test');
    expect(advanced.headers!.get('access-control-allow-origin')).toBe('*');
    expect(advanced.headers!.get('content-type')).toBe('application/octet-stream');
    expect(advanced.headers!.get('cache-control')).toMatch(/max-age=\d+/);
    expect(advanced.key!.getFingerprint()).toBe(alice.publicKey.getFingerprint());
    expect(advanced.key!.users.map((u) => u.userID?.email)).toEqual(['alice@example.test']);
    const direct = await served('alice@example.test', 'example.test');
    expect(direct.key!.getFingerprint()).toBe(alice.publicKey.getFingerprint());
    expect((await fetch(new URL('/.well-known/openpgpkey/example.test/policy', server.url))).status).toBe(200);
    expect((await served('alice@example.test', 'elsewhere.example')).status).toBe(421); // not a host name this server answers for
  });

  it('the same key for an alias is a file of its own with only the alias user ID', async () => {
    expect((await publish({ key: alice.publicKey.armor(), addresses: ['alice.alias@example.test'] })).status).toBe(200);
    const alias = await served('alice.alias@example.test');
    expect(alias.key!.users.map((u) => u.userID?.email)).toEqual(['alice.alias@example.test']);
    expect((await served('alice@example.test')).key!.users.map((u) => u.userID?.email)).toEqual(['alice@example.test']);
  });

  it('the lookup proxy answers the companion’s own domains from its directory, without DNS', async () => {
    const found = await fetch(new URL('/api/wkd?address=alice@example.test', server.url));
    expect(found.status).toBe(200);
    const key = await openpgp.readKey({ binaryKey: new Uint8Array(await found.arrayBuffer()) });
    expect(key.getFingerprint()).toBe(alice.publicKey.getFingerprint());
    const missing = await fetch(new URL('/api/wkd?address=carol@example.test', server.url));
    expect([missing.status, ((await missing.json()) as { outcome: string }).outcome]).toEqual([404, 'not-found']);
  });

  describe('refusals, each with its own status and reason', () => {
    it('401: no or wrong credentials', async () => {
      expect((await publish({ key: alice.publicKey.armor() }, basic('alice@example.test', 'wrong'))).status).toBe(401);
      expect((await fetch(new URL('/api/wkd/publish', server.url), { method: 'POST' })).status).toBe(401);
    });

    it('403: another user’s address, a domain this server does not serve, a wildcard identity', async () => {
      const bob = await keyFor([{ email: 'bob@example.test' }]);
      const other = await publish({ key: bob.publicKey.armor(), addresses: ['bob@example.test'] });
      expect(other.status).toBe(403);
      expect(other.json.error).toContain('not an address of your account');
      const foreign = await publish({ key: alice.publicKey.armor(), addresses: ['alice@private.example'] });
      expect(foreign.status).toBe(403);
      expect(foreign.json.error).toContain('publishes keys for example.test only');
      const wild = await publish(
        { key: bob.publicKey.armor(), addresses: ['bob@example.test'] },
        basic('wild@example.test'),
      );
      expect(wild.status).toBe(403);
    });

    it('422: no user ID for the address, an expired key, a revoked key never published there', async () => {
      const noUid = await publish({ key: alice.publicKey.armor(), addresses: ['alice@example.test'] }, ALICE);
      expect(noUid.status).toBe(200);
      const stranger = await keyFor([{ email: 'someone@example.test' }]);
      const missing = await publish({ key: stranger.publicKey.armor(), addresses: ['alice@example.test'] });
      expect([missing.status, missing.json.error]).toEqual([
        422,
        'The key has no valid self-signed user ID for alice@example.test.',
      ]);
      const old = await keyFor([{ email: 'alice@example.test' }], {
        date: new Date(Date.now() - 3 * 86400_000),
        keyExpirationTime: 86400,
      });
      expect(await publish({ key: old.publicKey.armor(), addresses: ['alice@example.test'] })).toMatchObject({
        status: 422,
        json: { error: 'The key has expired.' },
      });
      const other = await keyFor([{ email: 'alice@example.test' }]);
      const { publicKey: revoked } = await openpgp.revokeKey({ key: other.privateKey, format: 'object' });
      const refused = await publish({ key: revoked.armor(), addresses: ['alice@example.test'] });
      expect(refused.status).toBe(422);
      expect(refused.json.error).toContain('revoked');
    });

    it('400: a secret key or data that is not a key; 413: a key over the size limit', async () => {
      expect((await publish({ key: alice.privateKey.armor() })).status).toBe(400);
      expect((await publish({ key: 'hello' })).status).toBe(400);
      const packets = alice.publicKey.toPacketList();
      const photo = new openpgp.UserAttributePacket();
      (photo as unknown as { attributes: string[] }).attributes = [String.fromCharCode(1) + 'x'.repeat(300 * 1024)];
      packets.push(photo);
      const big = new openpgp.PublicKey(packets);
      expect((await publish({ key: big.armor(), addresses: ['alice@example.test'] })).status).toBe(413);
    });
  });

  it('a revocation replaces the published key without further proof, is served, and cannot be withdrawn', async () => {
    const bob = await keyFor([{ email: 'bob@example.test' }]);
    const BOB = basic('bob@example.test');
    expect((await publish({ key: bob.publicKey.armor(), addresses: ['bob@example.test'] }, BOB)).status).toBe(200);
    const { publicKey: revoked } = await openpgp.revokeKey({ key: bob.privateKey, format: 'object' });
    const answer = await publish({ key: revoked.armor(), addresses: ['bob@example.test'] }, BOB);
    expect(answer.json.published).toMatchObject([{ status: 'revoked' }]);
    expect(await (await served('bob@example.test')).key!.isRevoked()).toBe(true);
    const state = await fetch(new URL('/api/wkd/status?address=bob@example.test', server.url), {
      headers: { Authorization: BOB },
    });
    expect(await state.json()).toMatchObject({
      status: 'revoked',
      fingerprint: bob.publicKey.getFingerprint().toUpperCase(),
    });
    // A copy of the same key without its revocation (a device that has not seen it) cannot un-revoke it.
    const stale = await publish({ key: bob.publicKey.armor(), addresses: ['bob@example.test'] }, BOB);
    expect(stale.status).toBe(409);
    expect(await (await served('bob@example.test')).key!.isRevoked()).toBe(true);
    const withdraw = await fetch(new URL('/api/wkd/publish/bob@example.test', server.url), {
      method: 'DELETE',
      headers: { Authorization: BOB },
    });
    expect(withdraw.status).toBe(409);
  });

  it('withdrawing removes the file (404), and the status says so', async () => {
    const withdraw = await fetch(new URL('/api/wkd/publish/alice.alias@example.test', server.url), {
      method: 'DELETE',
      headers: { Authorization: ALICE },
    });
    expect(withdraw.status).toBe(200);
    expect((await served('alice.alias@example.test')).status).toBe(404);
    const state = await fetch(new URL('/api/wkd/status?address=alice.alias@example.test', server.url), {
      headers: { Authorization: ALICE },
    });
    expect(await state.json()).toMatchObject({ status: 'not-published' });
  });

  it('a served revocation is dropped after its time to live', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const dir = mkdtempSync(join(tmpdir(), 'wkd-ttl-'));
    const tree = createWkdTree({
      root: join(dir, 'wkd'),
      metaRoot: join(dir, 'meta'),
      revokedTtlMs: 30 * 86400_000,
      now: () => now,
    });
    await tree.write('x@example.test', new Uint8Array([1]), {
      fingerprint: 'F',
      publishedAt: now.toISOString(),
      revokedAt: now.toISOString(),
    });
    now = new Date('2026-01-30T00:00:00Z');
    expect(await tree.readAddress('x@example.test')).not.toBeNull();
    now = new Date('2026-01-31T00:00:01Z');
    expect(await tree.readAddress('x@example.test')).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a wildcard identity authorises any address of its domain only when the operator allows it', () => {
    const caller = { addresses: new Set(['wild@example.test']), wildcardDomains: new Set(['example.test']) };
    const strict = createPublishAuth({ sessionUrl: 'http://127.0.0.1:1/', allowWildcard: false });
    const open = createPublishAuth({ sessionUrl: 'http://127.0.0.1:1/', allowWildcard: true });
    expect([
      strict.owns(caller, 'x@example.test'),
      open.owns(caller, 'x@example.test'),
      open.owns(caller, 'x@other.test'),
    ]).toEqual([false, true, false]);
  });
});

describe('key-server upload through the companion', () => {
  it('uploads, requests verification for the caller’s own address only, and the key is served once verified', async () => {
    const upload = await fetch(new URL('/api/vks/upload', server.url), {
      method: 'POST',
      headers: { Authorization: ALICE, 'Content-Type': 'application/json' },
      body: JSON.stringify({ keytext: alice.publicKey.armor() }),
    });
    const { token } = (await upload.json()) as { token: string };
    const ask = (addresses: string[]) =>
      fetch(new URL('/api/vks/request-verify', server.url), {
        method: 'POST',
        headers: { Authorization: ALICE, 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, addresses }),
      });
    expect((await ask(['bob@example.test'])).status).toBe(403);
    const verify = await ask(['alice@example.test']);
    expect(await verify.json()).toMatchObject({ status: { 'alice@example.test': 'pending' } });
    expect(hagrid.outbox.map((m) => m.to)).toEqual(['alice@example.test']);
    expect((await fetch(`${hagrid.url}/vks/v1/by-email/alice@example.test`)).status).toBe(404);
    await fetch(hagrid.outbox[0]!.link);
    const served = await fetch(`${hagrid.url}/vks/v1/by-email/alice@example.test`);
    expect(served.status).toBe(200);
    expect((await openpgp.readKey({ armoredKey: await served.text() })).getFingerprint()).toBe(
      alice.publicKey.getFingerprint(),
    );
  });

  it('the key server’s refusals and maintenance come through with their status', async () => {
    const upload = (keytext: string, authorization = ALICE) =>
      fetch(new URL('/api/vks/upload', server.url), {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: JSON.stringify({ keytext }),
      });
    expect((await upload(alice.publicKey.armor(), basic('alice@example.test', 'nope'))).status).toBe(401);
    expect((await upload(alice.privateKey.armor())).status).toBe(400);
    hagrid.state.maintenance = true;
    expect((await upload(alice.publicKey.armor())).status).toBe(503);
    hagrid.state.maintenance = false;
  });
});
