import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import type { PinRecord } from '../keystore/records';
import { createDiscovery, type KeystoreLookup } from './discover-key';
import { createKeyLookup } from './key-lookup';
import { decideKeyChange, type PinStore, resolveRecipientKey } from './resolve-recipient';
import { wkdLocation } from './wkd-url';

const crypto = createCryptoApi();
const summarize = async (armored: string) => (await crypto.inspectKeys(armored))[0]!.summary;
const noKeystore: KeystoreLookup = {
  autocryptPeer: async () => null,
  entriesFor: async () => [],
  get: async () => {
    throw new Error('none');
  },
};

function memoryPins(): PinStore & { pins: Map<string, PinRecord> } {
  const pins = new Map<string, PinRecord>();
  return {
    pins,
    getPin: async (a) => pins.get(a.toLowerCase()) ?? null,
    setPin: async (p) => void pins.set(p.address.toLowerCase(), { ...p, v: 1 }),
  };
}

async function pair(email: string) {
  const k = (await openpgp.generateKey({ userIDs: [{ email }], format: 'object' })) as unknown as {
    privateKey: openpgp.PrivateKey;
    publicKey: openpgp.PublicKey;
  };
  return k;
}

let served: Uint8Array;
let calls = 0;
let now = new Date('2026-11-28T10:00:00Z');
const fetchFn = (async (input: RequestInfo | URL) => {
  calls++;
  const url = String(input);
  const response = url.includes('openpgpkey.example.org')
    ? new Response(served as Uint8Array<ArrayBuffer>)
    : new Response('no', { status: 404 });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}) as typeof fetch;
const discovery = createDiscovery({
  lookUp: createKeyLookup({ fetch: fetchFn, crypto, now: () => now }),
  keystore: noKeystore,
  settings: () => ({ useWkd: true, keyServer: '', wkdMode: 'browser', proxyBase: null }),
  now: () => now,
});
const resolve = (pins: PinStore) =>
  resolveRecipientKey({ address: 'carol@example.org', discovery, pins, summarize, now: () => now });

let first: Awaited<ReturnType<typeof pair>>;
let second: Awaited<ReturnType<typeof pair>>;
beforeAll(async () => {
  await wkdLocation('carol@example.org');
  first = await pair('carol@example.org');
  second = await pair('carol@example.org');
});

describe('resolveRecipientKey (trust on first use)', () => {
  it('pins the first key, trusts a fresh pin without a look-up, and flags a different key later as changed', async () => {
    const pins = memoryPins();
    served = first.publicKey.write();
    calls = 0;
    const a = await resolve(pins);
    expect(a).toMatchObject({
      status: 'valid',
      source: 'wkd',
      fingerprint: first.publicKey.getFingerprint().toUpperCase(),
    });
    expect(pins.pins.get('carol@example.org')?.fingerprint).toBe(first.publicKey.getFingerprint().toUpperCase());
    now = new Date(now.getTime() + 3600_000);
    await resolve(pins);
    expect(calls).toBe(1); // the pin was fresh: no network
    await resolveRecipientKey({
      address: 'carol@example.org',
      discovery,
      pins,
      summarize,
      now: () => now,
      force: true,
    });
    expect(calls).toBe(2); // Retry looks up again
    now = new Date(now.getTime() + 25 * 3600_000);
    served = second.publicKey.write();
    const changed = await resolve(pins);
    expect(changed.status).toBe('changed');
    if (changed.status !== 'changed') throw new Error();
    // Keeping the old key: it is used, and this new key does not raise the alarm again.
    await decideKeyChange(pins, changed, false, now);
    expect(await resolve(pins)).toMatchObject({
      status: 'valid',
      fingerprint: first.publicKey.getFingerprint().toUpperCase(),
    });
    now = new Date(now.getTime() + 25 * 3600_000);
    expect(await resolve(pins)).toMatchObject({
      status: 'valid',
      fingerprint: first.publicKey.getFingerprint().toUpperCase(),
    });
    // Accepting it instead replaces the pin.
    await decideKeyChange(pins, changed, true, now);
    expect(await resolve(pins)).toMatchObject({
      status: 'valid',
      fingerprint: second.publicKey.getFingerprint().toUpperCase(),
    });
  });

  it('accepts a new key quietly when the pinned key certifies it', async () => {
    const pins = memoryPins();
    served = first.publicKey.write();
    await resolve(pins);
    now = new Date(now.getTime() + 25 * 3600_000);
    const certified = await second.publicKey.signAllUsers([first.privateKey]); // signed now: the crypto API checks at real time
    served = certified.write();
    expect(await resolve(pins)).toMatchObject({
      status: 'valid',
      fingerprint: second.publicKey.getFingerprint().toUpperCase(),
      vouched: true,
    });
  });

  it('a key from the keystore wins and becomes the pin', async () => {
    const pins = memoryPins();
    served = first.publicKey.write();
    await resolve(pins);
    const stored = await crypto.inspectKeys(second.publicKey.armor());
    const keystore: KeystoreLookup = {
      autocryptPeer: async () => null,
      entriesFor: async () => [
        {
          v: 1,
          fingerprint: stored[0]!.summary.fingerprint,
          kind: 'public',
          primaryUserId: null,
          addresses: ['carol@example.org'],
          status: 'valid',
          expires: null,
          algorithm: '',
          created: '',
          version: 4,
          updatedAt: '',
        },
      ],
      get: async () => ({ armoredPublic: stored[0]!.armoredPublic, summary: stored[0]!.summary }),
    };
    const withKeystore = createDiscovery({
      lookUp: createKeyLookup({ fetch: fetchFn, crypto, now: () => now }),
      keystore,
      settings: () => ({ useWkd: true, keyServer: '', wkdMode: 'browser', proxyBase: null }),
      now: () => now,
    });
    const r = await resolveRecipientKey({
      address: 'carol@example.org',
      discovery: withKeystore,
      pins,
      summarize,
      now: () => now,
    });
    expect(r).toMatchObject({ status: 'valid', source: 'keystore', fingerprint: stored[0]!.summary.fingerprint });
    expect(pins.pins.get('carol@example.org')?.source).toBe('keystore');
  });

  describe('a look-up started early (before the keystore was read)', () => {
    const lookUp = createKeyLookup({ fetch: fetchFn, crypto, now: () => now });
    /** An early look-up as the page starts it; records whether it was cancelled. */
    const early = () => {
      const controller = new AbortController();
      const result = lookUp(
        'carol@example.org',
        { useWkd: true, keyServer: '', wkdMode: 'browser', proxyBase: null },
        { signal: controller.signal },
      );
      return {
        result,
        cancel: () => controller.abort(),
        get cancelled() {
          return controller.signal.aborted;
        },
      };
    };

    it('is used when nothing is stored or pinned: the network is asked once', async () => {
      const pins = memoryPins();
      served = first.publicKey.write();
      calls = 0;
      const started = early();
      const r = await resolveRecipientKey({
        address: 'carol@example.org',
        discovery,
        pins,
        summarize,
        now: () => now,
        early: started,
      });
      expect(r).toMatchObject({
        status: 'valid',
        source: 'wkd',
        fingerprint: first.publicKey.getFingerprint().toUpperCase(),
      });
      expect(calls).toBe(1);
      expect(started.cancelled).toBe(false);
      expect(pins.pins.get('carol@example.org')?.fingerprint).toBe(first.publicKey.getFingerprint().toUpperCase());
    });

    it('is cancelled when a fresh pin answers', async () => {
      const pins = memoryPins();
      served = first.publicKey.write();
      await resolve(pins);
      const started = early();
      expect(
        await resolveRecipientKey({
          address: 'carol@example.org',
          discovery,
          pins,
          summarize,
          now: () => now,
          early: started,
        }),
      ).toMatchObject({ status: 'valid' });
      expect(started.cancelled).toBe(true);
    });

    it('is not trusted when a key is pinned: the look-up runs again with the pinned key, so a key it certifies is accepted quietly', async () => {
      const pins = memoryPins();
      served = first.publicKey.write();
      await resolve(pins);
      now = new Date(now.getTime() + 25 * 3600_000); // the pin is due for a look-up
      served = (await second.publicKey.signAllUsers([first.privateKey])).write();
      calls = 0;
      const started = early(); // runs without the pinned key: it could not tell that the new key is vouched for
      const r = await resolveRecipientKey({
        address: 'carol@example.org',
        discovery,
        pins,
        summarize,
        now: () => now,
        early: started,
      });
      expect(r).toMatchObject({
        status: 'valid',
        fingerprint: second.publicKey.getFingerprint().toUpperCase(),
        vouched: true,
      });
      expect(started.cancelled).toBe(true);
      expect(calls).toBe(2);
    });

    it('is cancelled when the keystore cannot be read', async () => {
      const started = early();
      const broken: PinStore = {
        getPin: async () => {
          throw new Error('database closed');
        },
        setPin: async () => undefined,
      };
      await expect(
        resolveRecipientKey({
          address: 'carol@example.org',
          discovery,
          pins: broken,
          summarize,
          now: () => now,
          early: started,
        }),
      ).rejects.toThrow('database closed');
      expect(started.cancelled).toBe(true);
    });
  });
});

describe('resolveRecipientKey with an Autocrypt key', () => {
  const peer = (key: openpgp.PublicKey) => ({
    v: 1,
    address: 'carol@example.org',
    lastSeen: now.toISOString(),
    autocryptTimestamp: now.toISOString(),
    publicKey: Buffer.from(key.write()).toString('base64'),
    fingerprint: key.getFingerprint().toUpperCase(),
    preferEncrypt: false,
    gossipTimestamp: null,
    gossipKey: null,
    gossipFingerprint: null,
  });
  const noWkd = (async (input: RequestInfo | URL) => {
    const response = new Response('no', { status: 404 });
    Object.defineProperty(response, 'url', { value: String(input) });
    return response;
  }) as typeof fetch;

  it('pins it with its source, and a different Autocrypt key later reads changed at once, never replacing the pin', async () => {
    let offered = peer(first.publicKey);
    const withAutocrypt = createDiscovery({
      lookUp: createKeyLookup({ fetch: noWkd, crypto, now: () => now }),
      keystore: { ...noKeystore, autocryptPeer: async () => offered },
      settings: () => ({ useWkd: true, keyServer: '', wkdMode: 'browser', proxyBase: null }),
      now: () => now,
    });
    const pins = memoryPins();
    const go = () =>
      resolveRecipientKey({ address: 'carol@example.org', discovery: withAutocrypt, pins, summarize, now: () => now });
    expect(await go()).toMatchObject({ status: 'valid', source: 'autocrypt' });
    expect(pins.pins.get('carol@example.org')).toMatchObject({
      source: 'autocrypt',
      fingerprint: first.publicKey.getFingerprint().toUpperCase(),
    });
    // Carol's newer mail carries another key: the pin is fresh, but the change shows now.
    offered = peer(second.publicKey);
    const changed = await go();
    expect(changed).toMatchObject({
      status: 'changed',
      found: { source: 'autocrypt', fingerprint: second.publicKey.getFingerprint().toUpperCase() },
    });
    expect(pins.pins.get('carol@example.org')?.fingerprint).toBe(first.publicKey.getFingerprint().toUpperCase());
    if (changed.status !== 'changed') throw new Error();
    await decideKeyChange(pins, changed, false, now);
    expect(await go()).toMatchObject({ status: 'valid', fingerprint: first.publicKey.getFingerprint().toUpperCase() });
  });
});
