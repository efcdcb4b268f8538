import 'fake-indexeddb/auto';
import { createStore } from 'idb-keyval';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import { createKeystore } from '../keystore/keystore';
import type { UseStore } from '../keystore/store-access';
import { refreshDueKeys, refreshFromVks } from './refresh';

const crypto = createCryptoApi();

/** What VKS serves for a key whose user IDs are not published: the key and its revocation, no user ID. */
function withoutUserIds(key: openpgp.PublicKey): string {
  const packets = new openpgp.PacketList();
  for (const p of key.toPacketList())
    if (
      !(p instanceof openpgp.UserIDPacket) &&
      !(p instanceof openpgp.SignaturePacket && [0x10, 0x11, 0x12, 0x13].includes(p.signatureType!))
    )
      packets.push(p);
  return new openpgp.PublicKey(packets).armor();
}

const serving = (body: string | null, status = 200) =>
  (async (input: RequestInfo | URL) => {
    const response =
      body === null
        ? new Response('not found', { status: 404 })
        : new Response(body, { status, headers: { 'Content-Type': 'application/pgp-keys' } });
    Object.defineProperty(response, 'url', { value: String(input) });
    return response;
  }) as typeof fetch;

describe('refreshFromVks', () => {
  it('merges a revocation that arrives on a copy with no user ID at all', async () => {
    const { privateKey, publicKey } = (await openpgp.generateKey({
      userIDs: [{ email: 'r@example.org' }],
      format: 'object',
    })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
    const { publicKey: revoked } = (await openpgp.revokeKey({ key: privateKey, format: 'object' })) as unknown as {
      publicKey: openpgp.PublicKey;
    };
    const vksCopy = withoutUserIds(revoked);
    expect((await openpgp.readKey({ armoredKey: vksCopy })).users).toHaveLength(0);
    let asked = '';
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      asked = String(input);
      return serving(vksCopy)(input, init);
    }) as typeof fetch;
    const r = await refreshFromVks({
      fetch: fetchFn,
      crypto,
      keyServer: 'https://keys.example/',
      fingerprint: publicKey.getFingerprint(),
      stored: { armoredPublic: publicKey.armor(), armoredSecret: null },
    });
    expect(asked).toBe(`https://keys.example/vks/v1/by-fingerprint/${publicKey.getFingerprint().toUpperCase()}`);
    expect(r).toMatchObject({
      outcome: 'updated',
      summary: { status: 'revoked', userIds: [{ email: 'r@example.org' }] },
    });
  });

  it('reports unchanged, not found and failures', async () => {
    const { publicKey } = (await openpgp.generateKey({
      userIDs: [{ email: 's@example.org' }],
      format: 'object',
    })) as unknown as { publicKey: openpgp.PublicKey };
    const stored = { armoredPublic: publicKey.armor(), armoredSecret: null };
    const base = { crypto, keyServer: 'https://keys.example', fingerprint: publicKey.getFingerprint(), stored };
    expect(await refreshFromVks({ ...base, fetch: serving(publicKey.armor()) })).toEqual({ outcome: 'unchanged' });
    expect(await refreshFromVks({ ...base, fetch: serving(null) })).toEqual({ outcome: 'not-found' });
    expect(await refreshFromVks({ ...base, fetch: serving('x', 503) })).toMatchObject({ outcome: 'failed' });
  });
});

describe('refreshDueKeys', () => {
  it('refreshes a stored key once a day: a revocation arrives and is stored', async () => {
    const keystore = createKeystore({ store: createStore('refresh-test', 'records') as unknown as UseStore, crypto });
    const { privateKey, publicKey } = (await openpgp.generateKey({
      userIDs: [{ email: 'due@example.org' }],
      format: 'object',
    })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
    await keystore.storeInspected(await crypto.inspectKeys(publicKey.armor()));
    const { publicKey: revoked } = (await openpgp.revokeKey({ key: privateKey, format: 'object' })) as unknown as {
      publicKey: openpgp.PublicKey;
    };
    let now = new Date();
    const run = () =>
      refreshDueKeys({
        keystore,
        crypto,
        fetch: serving(withoutUserIds(revoked)),
        keyServer: 'https://keys.example',
        now: () => now,
        perSecond: 1000,
      });
    expect(await run()).toEqual({ checked: 1, updated: 1, failed: 0 });
    expect((await keystore.list())[0]?.status).toBe('revoked');
    expect(await run()).toEqual({ checked: 0, updated: 0, failed: 0 }); // not due again today
    now = new Date(now.getTime() + 25 * 3600_000);
    expect((await run()).checked).toBe(1);
  });

  it('refreshes named keys at once, due or not: an expired key whose owner extended it becomes usable', async () => {
    const keystore = createKeystore({
      store: createStore('refresh-only-test', 'records') as unknown as UseStore,
      crypto,
    });
    const past = new Date(Date.now() - 10 * 86400_000);
    const { privateKey, publicKey } = (await openpgp.generateKey({
      userIDs: [{ email: 'ext@example.org' }],
      keyExpirationTime: 86400,
      date: past,
      format: 'object',
    })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
    await keystore.storeInspected(await crypto.inspectKeys(publicKey.armor()));
    const fingerprint = publicKey.getFingerprint().toUpperCase();
    expect((await keystore.list())[0]?.status).toBe('expired');
    await keystore.markRefreshed(fingerprint, new Date().toISOString()); // not due
    const extended = (await openpgp.reformatKey({
      privateKey,
      userIDs: [{ email: 'ext@example.org' }],
      keyExpirationTime: 0,
      format: 'object',
    })) as unknown as { publicKey: openpgp.PublicKey };
    const base = {
      keystore,
      crypto,
      fetch: serving(extended.publicKey.armor()),
      keyServer: 'https://keys.example',
      now: () => new Date(),
      perSecond: 1000,
    };
    expect(await refreshDueKeys(base)).toMatchObject({ checked: 0 });
    expect(await refreshDueKeys({ ...base, only: [fingerprint.toLowerCase()] })).toEqual({
      checked: 1,
      updated: 1,
      failed: 0,
    });
    expect((await keystore.list())[0]?.status).toBe('valid');
  });
});
