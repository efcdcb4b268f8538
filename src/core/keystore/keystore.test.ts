import 'fake-indexeddb/auto';
import { createStore, entries } from 'idb-keyval';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import { createKeystore } from './keystore';
import type { UseStore } from './store-access';

const crypto = createCryptoApi();
const PASS = 'correct horse battery';
let db = 0;
const freshStore = () => createStore(`keystore-test-${++db}`, 'records') as unknown as UseStore;

let alice: GeneratedKey;
let aliceAlias: GeneratedKey;
beforeAll(async () => {
  alice = await crypto.generateKey({
    name: 'Alice',
    email: 'Alice@Example.test',
    passphrase: PASS,
    algorithm: 'curve25519-legacy',
    expiresInSeconds: 86400 * 365,
  });
  aliceAlias = await crypto.generateKey({
    name: 'Alice',
    email: 'alice.alias@example.test',
    passphrase: PASS,
    algorithm: 'curve25519-legacy',
    expiresInSeconds: 86400 * 365,
  });
});

describe('keystore', () => {
  it('stores generated keys, lists them from small entries and binds only eligible keys', async () => {
    const messages: unknown[] = [];
    const ks = createKeystore({ store: freshStore(), crypto, channel: { postMessage: (m) => messages.push(m) } });
    await ks.storeGenerated(alice);
    await ks.storeGenerated(aliceAlias);
    expect(await ks.count()).toBe(2);
    expect((await ks.list()).map((e) => [e.kind, e.addresses])).toEqual(
      expect.arrayContaining([
        ['secret', ['alice@example.test']],
        ['secret', ['alice.alias@example.test']],
      ]),
    );
    expect((await ks.get(alice.summary.fingerprint)).revocationCertificate).toContain('BEGIN PGP');
    expect((await ks.eligibleKeys('ALICE@example.test')).map((e) => e.fingerprint)).toEqual([
      alice.summary.fingerprint,
    ]);
    await expect(ks.bind('alice.alias@example.test', alice.summary.fingerprint)).rejects.toMatchObject({
      code: 'keystore/not-eligible',
    });
    await ks.bind('alice.alias@example.test', aliceAlias.summary.fingerprint);
    expect(await ks.bindings()).toEqual({ 'alice.alias@example.test': aliceAlias.summary.fingerprint });
    await ks.bind('alice.alias@example.test', null);
    expect(await ks.bindings()).toEqual({});
    expect(messages.length).toBeGreaterThanOrEqual(4);
  });

  it('merges a newer copy instead of duplicating, names refused keys, and needs a passphrase for unprotected secrets', async () => {
    const ks = createKeystore({ store: freshStore(), crypto });
    const first = await ks.storeInspected(await crypto.inspectKeys(alice.armoredPublic));
    expect(first.stored).toHaveLength(1);
    await crypto.unlockKey(alice.armoredSecret, PASS, 60_000);
    const newer = await crypto.addUserId(
      alice.summary.fingerprint,
      { name: 'Alice', email: 'alice@elsewhere.example' },
      alice.armoredSecret,
    );
    const again = await ks.storeInspected(await crypto.inspectKeys(newer.armoredPublic));
    expect(again).toMatchObject({ stored: [], merged: [{ fingerprint: alice.summary.fingerprint }] });
    expect(await ks.count()).toBe(1);
    expect((await ks.entriesFor('alice@elsewhere.example')).map((e) => e.fingerprint)).toEqual([
      alice.summary.fingerprint,
    ]);

    const weak = (await openpgp.generateKey({
      type: 'rsa',
      rsaBits: 1024,
      userIDs: [{ email: 'w@example.org' }],
      config: { minRSABits: 1024 },
    } as never)) as unknown as { publicKey: string };
    const unprotected = (await openpgp.generateKey({ userIDs: [{ email: 'u@example.org' }] })) as unknown as {
      privateKey: string;
    };
    const inspected = await crypto.inspectKeys(`${weak.publicKey}\n${unprotected.privateKey}`);
    const refused = await ks.storeInspected(inspected);
    expect(refused.stored).toEqual([]);
    expect(refused.refused.map((r) => r.reason)).toEqual([
      expect.stringMatching(/RSA 1024/),
      expect.stringMatching(/no passphrase/),
    ]);
    const withPassphrase = await ks.storeInspected(inspected, { [inspected[1]!.summary.fingerprint]: PASS });
    expect(withPassphrase.stored).toHaveLength(1);
    const stored = await ks.get(inspected[1]!.summary.fingerprint);
    expect((await openpgp.readPrivateKey({ armoredKey: stored.armoredSecret! })).isDecrypted()).toBe(false);
    await crypto.lockAll();
  });

  it('a secret copy arriving for a stored public key upgrades it to a secret key', async () => {
    const ks = createKeystore({ store: freshStore(), crypto });
    await ks.storeInspected(await crypto.inspectKeys(alice.armoredPublic));
    const r = await ks.storeInspected(await crypto.inspectKeys(alice.armoredSecret));
    expect(r.merged[0]?.kind).toBe('secret');
    expect((await ks.list())[0]?.kind).toBe('secret');
    expect(await ks.count()).toBe(1);
  });

  it('removes a key with its index entries and bindings', async () => {
    const ks = createKeystore({ store: freshStore(), crypto });
    await ks.storeGenerated(aliceAlias);
    await ks.bind('alice.alias@example.test', aliceAlias.summary.fingerprint);
    await ks.remove(aliceAlias.summary.fingerprint);
    expect(await ks.count()).toBe(0);
    expect(await ks.bindings()).toEqual({});
    expect(await ks.entriesFor('alice.alias@example.test')).toEqual([]);
  });

  it('two tabs importing at once lose nothing, even merging the same key', async () => {
    const store = freshStore();
    // Both tabs read the old record before either writes: mergeKeys waits until both have merged.
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((ok) => (release = ok));
    const racing = {
      ...crypto,
      mergeKeys: async (...args: Parameters<typeof crypto.mergeKeys>) => {
        const result = await crypto.mergeKeys(...args);
        if (++arrived === 2) release();
        await Promise.race([bothRead, new Promise((ok) => setTimeout(ok, 2000))]);
        return result;
      },
    };
    const tabA = createKeystore({ store, crypto: racing });
    const tabB = createKeystore({ store, crypto: racing });
    await tabA.storeInspected(await crypto.inspectKeys(alice.armoredPublic));
    await crypto.unlockKey(alice.armoredSecret, PASS, 60_000);
    const withA = await crypto.addUserId(
      alice.summary.fingerprint,
      { name: 'A', email: 'a-tab@example.org' },
      alice.armoredSecret,
    );
    const withB = await crypto.addUserId(
      alice.summary.fingerprint,
      { name: 'B', email: 'b-tab@example.org' },
      alice.armoredSecret,
    );
    const others = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        crypto.generateKey({
          name: `K${i}`,
          email: `k${i}@example.org`,
          passphrase: PASS,
          algorithm: 'curve25519-legacy',
          expiresInSeconds: 0,
        }),
      ),
    );
    await Promise.all([
      tabA.storeInspected([
        ...(await crypto.inspectKeys(withA.armoredPublic)),
        ...(await crypto.inspectKeys(others[0]!.armoredPublic + others[1]!.armoredPublic)),
      ]),
      tabB.storeInspected([
        ...(await crypto.inspectKeys(withB.armoredPublic)),
        ...(await crypto.inspectKeys(others[2]!.armoredPublic + others[3]!.armoredPublic)),
      ]),
    ]);
    expect(await tabA.count()).toBe(5);
    const merged = (await tabB.get(alice.summary.fingerprint)).summary.userIds.map((u) => u.email).sort();
    expect(merged).toEqual(['Alice@Example.test', 'a-tab@example.org', 'b-tab@example.org'].sort());
    await crypto.lockAll();
  });

  it('pins recorded together are written in one transaction and announced once; the last pin for an address wins', async () => {
    const base = freshStore();
    let writes = 0;
    const counting: UseStore = (mode, callback) => ((writes += mode === 'readwrite' ? 1 : 0), base(mode, callback));
    const messages: unknown[] = [];
    const ks = createKeystore({ store: counting, crypto, channel: { postMessage: (m) => messages.push(m) } });
    await ks.getPin('warm@example.test'); // opens the store (its migration check is a write)
    writes = 0;
    const pin = (address: string, fingerprint: string) => ({
      address,
      fingerprint,
      source: 'wkd' as const,
      url: null,
      armoredPublic: 'k',
      firstSeen: 't',
      checkedAt: 't',
      declined: null,
    });
    await Promise.all([
      ks.setPin(pin('Bob@Example.test', 'A1')),
      ks.setPin(pin('carol@example.test', 'B1')),
      ks.setPin(pin('bob@example.test', 'A2')),
    ]);
    expect(writes).toBe(1);
    expect(messages).toEqual([{ type: 'pins-changed', addresses: ['bob@example.test', 'carol@example.test'] }]);
    expect((await ks.getPin('bob@example.test'))?.fingerprint).toBe('A2');
    expect((await ks.getPin('carol@example.test'))?.fingerprint).toBe('B1');
    await ks.setPin(pin('dave@example.test', 'C1'));
    expect(writes).toBe(2);
  });

  it('pins recorded before the scheduled write (the page: before the next frame) share one transaction', async () => {
    const base = freshStore();
    let writes = 0;
    const counting: UseStore = (mode, callback) => ((writes += mode === 'readwrite' ? 1 : 0), base(mode, callback));
    const due: (() => void)[] = [];
    const ks = createKeystore({ store: counting, crypto, schedulePinWrite: (write) => void due.push(write) });
    await ks.getPin('warm@example.test');
    writes = 0;
    const pin = (address: string) => ({
      address,
      fingerprint: 'F',
      source: 'wkd' as const,
      url: null,
      armoredPublic: 'k',
      firstSeen: 't',
      checkedAt: 't',
      declined: null,
    });
    const first = ks.setPin(pin('a@example.test'));
    await new Promise((ok) => setTimeout(ok, 10)); // another task: another answer
    const second = ks.setPin(pin('b@example.test'));
    await new Promise((ok) => setTimeout(ok, 10));
    expect(writes).toBe(0);
    expect(due).toHaveLength(1);
    expect((await ks.getPin('A@example.test'))?.fingerprint).toBe('F'); // read back before it is written
    due.shift()!();
    await Promise.all([first, second]);
    expect(writes).toBe(1);
    expect((await createKeystore({ store: base, crypto }).getPin('b@example.test'))?.fingerprint).toBe('F');
  });

  it('reads for several addresses in one turn list what is stored first, and fetch only that', async () => {
    const base = freshStore();
    let gets = 0;
    const counting: UseStore = (mode, callback) =>
      base(mode, (s) =>
        callback(
          new Proxy(s, {
            get(target, property) {
              if (property === 'get') return (key: IDBValidKey) => ((gets += 1), target.get(key));
              const value = Reflect.get(target, property, target) as unknown;
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            },
          }),
        ),
      );
    const ks = createKeystore({ store: counting, crypto });
    await ks.storeGenerated(alice);
    await ks.setPin({
      address: 'pinned@example.test',
      fingerprint: 'P',
      source: 'wkd',
      url: null,
      armoredPublic: 'k',
      firstSeen: 't',
      checkedAt: 't',
      declined: null,
    });
    gets = 0;
    const strangers = Array.from({ length: 10 }, (_, i) => `stranger${i}@example.test`);
    const [pins, entries, alicePin, aliceEntries, pinned] = await Promise.all([
      Promise.all(strangers.map((a) => ks.getPin(a))),
      Promise.all(strangers.map((a) => ks.entriesFor(a))),
      ks.getPin('alice@example.test'),
      ks.entriesFor('alice@example.test'),
      ks.getPin('Pinned@example.test'),
    ]);
    expect(pins.every((p) => p === null)).toBe(true);
    expect(entries.every((e) => e.length === 0)).toBe(true);
    expect(alicePin).toBeNull();
    expect(aliceEntries.map((e) => e.fingerprint)).toEqual([alice.summary.fingerprint]);
    expect(pinned?.fingerprint).toBe('P');
    expect(gets).toBe(3); // alice's address entry and her key's list entry, and the pin: not 23
    await crypto.lockAll();
  });

  it('knows from memory which addresses may have a stored or pinned key, and says "unknown" when it cannot be sure', async () => {
    const store = freshStore();
    const ks = createKeystore({ store, crypto });
    const pin = (address: string) => ({
      address,
      fingerprint: 'F1',
      source: 'wkd' as const,
      url: null,
      armoredPublic: 'k',
      firstSeen: 't',
      checkedAt: 't',
      declined: null,
    });
    await ks.storeGenerated(alice);
    await ks.setPin(pin('Pinned@Example.test'));
    expect(ks.mayHold('alice@example.test')).toBeUndefined(); // not read yet (and this starts the read)
    await ks.loadAddressIndex();
    expect(ks.mayHold('ALICE@example.test')).toBe(true);
    expect(ks.mayHold('pinned@example.test')).toBe(true);
    expect(ks.mayHold('stranger@example.test')).toBe(false);

    // A pin recorded here counts at once, before its write.
    const written = ks.setPin(pin('new@example.test'));
    expect(ks.mayHold('new@example.test')).toBe(true);
    await written;

    // A key stored here: unknown until the index is read again, then known.
    await ks.storeGenerated(aliceAlias);
    expect(ks.mayHold('alice.alias@example.test')).toBeUndefined();
    await ks.loadAddressIndex();
    expect(ks.mayHold('alice.alias@example.test')).toBe(true);

    // Another tab's write (same database, another keystore object) is unknown once announced.
    const otherTab = createKeystore({ store, crypto });
    await otherTab.setPin(pin('from-the-other-tab@example.test'));
    expect(ks.mayHold('from-the-other-tab@example.test')).toBe(false); // not announced yet: a hint may lag
    ks.noteOutsideChange({ type: 'pins-changed', addresses: ['from-the-other-tab@example.test'] });
    expect(ks.mayHold('from-the-other-tab@example.test')).toBeUndefined();
    await ks.loadAddressIndex();
    expect(ks.mayHold('from-the-other-tab@example.test')).toBe(true);

    // A pin recorded while the index is being read is not lost by that read.
    ks.noteOutsideChange({ type: 'keystore-changed' });
    const reading = ks.loadAddressIndex();
    await ks.setPin(pin('during-read@example.test'));
    await reading;
    expect(ks.mayHold('during-read@example.test')).not.toBe(false);
    await ks.loadAddressIndex();
    expect(ks.mayHold('during-read@example.test')).toBe(true);
    await crypto.lockAll();
  });

  it('tells its subscribers of each change: its own writes, and those noted from other tabs', async () => {
    const posted: unknown[] = [];
    const ks = createKeystore({ store: freshStore(), crypto, channel: { postMessage: (m) => posted.push(m) } });
    const heard: unknown[] = [];
    const unsubscribe = ks.subscribe((change) => heard.push(change));
    await ks.storeGenerated(alice);
    await ks.bind('alice@example.test', alice.summary.fingerprint);
    ks.noteOutsideChange({ type: 'pins-changed', addresses: ['bob@example.test'] });
    expect(heard).toEqual([
      { type: 'keystore-changed' },
      { type: 'keystore-changed' },
      { type: 'pins-changed', addresses: ['bob@example.test'] },
    ]);
    expect(posted).toEqual(heard.slice(0, 2)); // other tabs hear of this page's writes only
    unsubscribe();
    await ks.remove(alice.summary.fingerprint);
    expect(heard).toHaveLength(3);
  });

  it('never stores a passphrase or an unprotected secret key', async () => {
    const name = `keystore-scan-${++db}`;
    const raw = createStore(name, 'records');
    const ks = createKeystore({ store: raw as unknown as UseStore, crypto });
    await ks.storeGenerated(alice);
    const unprotected = (await openpgp.generateKey({ userIDs: [{ email: 'scan@example.org' }] })) as unknown as {
      privateKey: string;
    };
    await ks.storeInspected(await crypto.inspectKeys(unprotected.privateKey), {
      [(await crypto.inspectKeys(unprotected.privateKey))[0]!.summary.fingerprint]: 'another good passphrase',
    });
    const dump = JSON.stringify(await entries(raw));
    expect(dump).not.toContain(PASS);
    expect(dump).not.toContain('another good passphrase');
    for (const [, value] of await entries(raw)) {
      const secret = (value as { armoredSecret?: string | null }).armoredSecret;
      if (secret) expect((await openpgp.readPrivateKey({ armoredKey: secret })).isDecrypted()).toBe(false);
    }
  });

  it('migrates older stores, refuses newer ones untouched, and reports quota errors', async () => {
    const store = freshStore();
    await store('readwrite', (s) => {
      s.put({ schemaVersion: 0 }, 'meta');
      s.put({ legacy: true }, 'bindings');
    });
    const ks = createKeystore({
      store,
      crypto,
      migrations: { 0: (s) => void s.put({ v: 1, bindings: { 'x@example.org': 'ABC' } }, 'bindings') },
    });
    expect(await ks.bindings()).toEqual({ 'x@example.org': 'ABC' });

    const newer = freshStore();
    await newer('readwrite', (s) => void s.put({ schemaVersion: 99 }, 'meta'));
    await expect(createKeystore({ store: newer, crypto }).count()).rejects.toMatchObject({
      code: 'keystore/newer-schema',
    });
    expect(
      await newer(
        'readonly',
        (s) => new Promise((ok) => (s.get('meta').onsuccess = (e) => ok((e.target as IDBRequest).result))),
      ),
    ).toEqual({ schemaVersion: 99 });

    const base = freshStore();
    const full: UseStore = (mode, callback) =>
      mode === 'readwrite' && (full as { opened?: boolean }).opened
        ? Promise.reject(new DOMException('Quota', 'QuotaExceededError'))
        : base(mode, callback);
    const quota = createKeystore({ store: full, crypto });
    await quota.open();
    (full as { opened?: boolean }).opened = true;
    await expect(quota.storeGenerated(alice)).rejects.toMatchObject({ code: 'keystore/quota' });
  });
  it('keeps Autocrypt peer state per address, writes only what changed, and announces it', async () => {
    const messages: unknown[] = [];
    const store = freshStore();
    const ks = createKeystore({ store, crypto, channel: { postMessage: (m) => messages.push(m) } });
    const heard: unknown[] = [];
    ks.subscribe((change) => heard.push(change));
    const date = new Date('2026-11-20T10:00:00Z');
    const event = {
      kind: 'header' as const,
      address: 'Carol@Example.test',
      date,
      keydata: 'AAAA',
      fingerprint: 'C1',
      preferEncrypt: false,
    };
    expect(await ks.recordAutocrypt([event])).toEqual(['carol@example.test']);
    expect(messages).toContainEqual({ type: 'pins-changed', addresses: ['carol@example.test'] });
    expect(heard).toEqual(messages);
    expect(await ks.autocryptPeer('CAROL@example.test')).toMatchObject({ fingerprint: 'C1', publicKey: 'AAAA' });
    // The same message read again: no write, no announcement.
    messages.length = 0;
    expect(await ks.recordAutocrypt([event])).toEqual([]);
    expect(messages).toEqual([]);
    // An older message with another key does not replace it.
    await ks.recordAutocrypt([{ ...event, date: new Date('2026-11-01T00:00:00Z'), fingerprint: 'OLD' }]);
    expect((await ks.autocryptPeer('carol@example.test'))?.fingerprint).toBe('C1');
    // It counts for mayHold (so no look-up starts before the keystore is read).
    await ks.loadAddressIndex();
    expect(ks.mayHold('carol@example.test')).toBe(true);
    expect(await createKeystore({ store, crypto }).autocryptPeer('nobody@example.test')).toBeNull();
  });
});
