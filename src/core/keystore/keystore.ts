import { AppError } from '../errors/app-error';
import type { CryptoApi, GeneratedKey, InspectedKey, KeySummary } from '../crypto/types';
import { loadCode } from '../load-once';
import { createAddressIndex } from './address-index';
import type { AutocryptEvent, AutocryptPeerRecord } from './autocrypt-peers';
import { type Migration, requestDone } from './migrations';
import { createPinWriter } from './pin-writes';
import { deleteRecord, getRecord, putRecord } from './record-writes';
import type { StoreResult } from './store-inspected';
import { createBatchedReader } from './read-batch';
import {
  type BindingsRecord,
  currentStatus,
  type KeyListEntry,
  type KeyRecord,
  normalizeAddress,
  type PinRecord,
  RECORD_KEYS,
  SCHEMA_VERSION,
} from './records';
import { addressAndPinKeys, createStoreAccess, type UseStore } from './store-access';

/**
 * What a write changed, for other tabs: the keys (lists, bindings, key details) or the key pinned
 * for one recipient address.
 */
export type KeystoreChange = { type: 'keystore-changed' } | { type: 'pins-changed'; addresses: string[] };

/** Cross-tab notification (BroadcastChannel in browsers). */
export type ChangeChannel = { postMessage(message: KeystoreChange): void };

export type Keystore = ReturnType<typeof createKeystore>;

// Writing imported keys and Autocrypt state is not needed to start the composer: that code loads
// on first use, before its transaction opens (IndexedDB commits a transaction left waiting).
const storeCode = loadCode(() => import('./store-inspected'));
const autocryptCode = loadCode(() => import('./autocrypt-peers'));

/**
 * The keystore: public keys and passphrase-protected secret keys in IndexedDB, one record per key
 * plus a small list entry and an address index, written together in one transaction.
 * Security: it never stores a passphrase or an unprotected secret key.
 */
export function createKeystore(options: {
  store: UseStore;
  crypto: CryptoApi;
  now?: () => Date;
  channel?: ChangeChannel;
  migrations?: Record<number, Migration>;
  /** When pins recorded since the last write are written together (see createPinWriter). */
  schedulePinWrite?: (write: () => void) => void;
}) {
  const { crypto } = options;
  const now = options.now ?? (() => new Date());
  const access = createStoreAccess({
    store: options.store,
    ...(options.migrations ? { migrations: options.migrations } : {}),
  });
  const { open } = access;
  const read = createBatchedReader({ store: options.store, open });
  const addressIndex = createAddressIndex(() => read(addressAndPinKeys, 'Listing stored addresses'));
  const listeners = new Set<(change: KeystoreChange) => void>();
  const heard = (change: KeystoreChange) => listeners.forEach((listener) => listener(change));
  /** This page's write: other tabs and this page's subscribers hear of it. */
  const announce = (change: KeystoreChange) => {
    options.channel?.postMessage(change);
    heard(change);
  };

  async function write(
    callback: (s: IDBObjectStore) => Promise<void> | void,
    what: string,
    change: KeystoreChange | null = { type: 'keystore-changed' },
  ): Promise<void> {
    await access.write(callback, what);
    if (change?.type === 'keystore-changed') addressIndex.invalidate();
    if (change) announce(change);
  }

  const pinWriter = createPinWriter({
    ...(options.schedulePinWrite ? { schedule: options.schedulePinWrite } : {}),
    write: (pins) =>
      write((s) => pins.forEach((p, address) => s.put(p, RECORD_KEYS.pin(address))), 'Pinning a key', {
        type: 'pins-changed',
        addresses: [...pins.keys()],
      }),
  });

  async function bindings(): Promise<Record<string, string>> {
    return read(
      async (s) => ((await requestDone(s.get(RECORD_KEYS.bindings))) as BindingsRecord | undefined)?.bindings ?? {},
      'Reading key bindings',
    );
  }

  /** Secret keys that may serve `address`: valid now, with a valid user ID for exactly that address. */
  async function eligibleKeys(address: string): Promise<KeyListEntry[]> {
    const wanted = normalizeAddress(address);
    return read(async (s) => {
      const fingerprints = ((await requestDone(s.get(RECORD_KEYS.address(wanted)))) as string[] | undefined) ?? [];
      const entries = await Promise.all(
        fingerprints.map((f) => requestDone(s.get(RECORD_KEYS.entry(f))) as Promise<KeyListEntry | undefined>),
      );
      return entries.filter(
        (e): e is KeyListEntry =>
          !!e && e.kind === 'secret' && currentStatus(e, now()) === 'valid' && e.addresses.includes(wanted),
      );
    }, 'Finding keys for an address');
  }

  return {
    /** Opens (and migrates) the store; other calls do it on demand. */
    open,

    /** Read which addresses have a stored or pinned key (see mayHold). */
    loadAddressIndex: addressIndex.load,

    /**
     * Whether a key or a pinned key may be stored for `address`, answered at once from memory, or
     * undefined while that is not known (before loadAddressIndex(), after a change to the keys).
     * A hint for starting work early, never a decision: another tab's write reaches it only when
     * noteOutsideChange() is called.
     */
    mayHold: addressIndex.mayHold,

    /** Another tab wrote to the keystore: mayHold() does not know until the index is read again. */
    noteOutsideChange(change: KeystoreChange): void {
      addressIndex.invalidate();
      heard(change);
    },

    /** Hear of every change, this page's writes and those noted from other tabs. */
    subscribe(listener: (change: KeystoreChange) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    bindings,
    eligibleKeys,

    async count(): Promise<number> {
      return read((s) => requestDone(s.count(RECORD_KEYS.entryRange())), 'Counting keys');
    },

    async list(): Promise<KeyListEntry[]> {
      const entries = await read(
        (s) => requestDone(s.getAll(RECORD_KEYS.entryRange())) as Promise<KeyListEntry[]>,
        'Listing keys',
      );
      return entries.map((e) => ({ ...e, status: currentStatus(e, now()) }));
    },

    async get(fingerprint: string): Promise<KeyRecord> {
      const record = await read((s) => getRecord(s, fingerprint.toUpperCase()), 'Reading a key');
      if (!record) throw new AppError('keystore/not-found', `No key ${fingerprint}`);
      return record;
    },

    async entriesFor(address: string): Promise<KeyListEntry[]> {
      const wanted = normalizeAddress(address);
      return read(
        async (s) => {
          const fingerprints = ((await requestDone(s.get(RECORD_KEYS.address(wanted)))) as string[] | undefined) ?? [];
          const entries = await Promise.all(
            fingerprints.map((f) => requestDone(s.get(RECORD_KEYS.entry(f))) as Promise<KeyListEntry | undefined>),
          );
          return entries.filter((e): e is KeyListEntry => !!e).map((e) => ({ ...e, status: currentStatus(e, now()) }));
        },
        'Finding keys for an address',
        { key: RECORD_KEYS.address(wanted), value: [] },
      );
    },

    /**
     * Store inspected keys: refused ones are named with their reason, a key already stored is merged
     * (never duplicated), and secret keys without a passphrase get `passphrases[fingerprint]` first.
     */
    storeInspected: async (keys: InspectedKey[], passphrases: Record<string, string> = {}): Promise<StoreResult> =>
      (await storeCode()).storeInspectedKeys({ crypto, now, read, write }, keys, passphrases),

    /** Store a key generated in this browser, with its revocation certificate. */
    async storeGenerated(generated: GeneratedKey): Promise<KeySummary> {
      const stamp = now().toISOString();
      const record: KeyRecord = {
        v: SCHEMA_VERSION,
        fingerprint: generated.summary.fingerprint,
        armoredPublic: generated.armoredPublic,
        armoredSecret: generated.armoredSecret,
        revocationCertificate: generated.revocationCertificate,
        summary: generated.summary,
        origin: 'generated',
        addedAt: stamp,
        updatedAt: stamp,
      };
      await write(async (s) => putRecord(s, record, await getRecord(s, record.fingerprint)), 'Storing the new key');
      return record.summary;
    },

    /** Replace a stored key by a newer form of itself (e.g. after adding a user ID). */
    async replace(
      fingerprint: string,
      next: { summary: KeySummary; armoredPublic: string; armoredSecret: string | null },
    ): Promise<void> {
      await write(async (s) => {
        const previous = await getRecord(s, fingerprint);
        if (!previous) throw new AppError('keystore/not-found', `No key ${fingerprint}`);
        await putRecord(s, { ...previous, ...next, updatedAt: now().toISOString() }, previous);
      }, 'Updating a key');
    },

    async remove(fingerprint: string): Promise<void> {
      await write((s) => deleteRecord(s, fingerprint), 'Deleting a key');
    },

    async getPin(address: string): Promise<PinRecord | null> {
      const waiting = pinWriter.waiting(normalizeAddress(address));
      if (waiting) return waiting; // recorded, its write not yet started
      const key = RECORD_KEYS.pin(normalizeAddress(address));
      return read(
        async (s) => ((await requestDone(s.get(key))) as PinRecord | undefined) ?? null,
        'Reading a pinned key',
        { key, value: null },
      );
    },

    async setPin(pin: Omit<PinRecord, 'v' | 'address'> & { address: string }): Promise<void> {
      const address = normalizeAddress(pin.address);
      addressIndex.add(address);
      await pinWriter.record({ ...pin, v: SCHEMA_VERSION, address });
    },

    async listPins(): Promise<PinRecord[]> {
      return read((s) => requestDone(s.getAll(RECORD_KEYS.pinRange())) as Promise<PinRecord[]>, 'Listing pinned keys');
    },

    async autocryptPeer(address: string): Promise<AutocryptPeerRecord | null> {
      const key = RECORD_KEYS.autocrypt(normalizeAddress(address));
      return read(
        async (s) => ((await requestDone(s.get(key))) as AutocryptPeerRecord | undefined) ?? null,
        'Reading Autocrypt state',
      );
    },

    /**
     * Apply what read messages said about their senders' (and gossiped) keys, in one transaction.
     * Resolves with the addresses whose record changed.
     */
    async recordAutocrypt(events: AutocryptEvent[]): Promise<string[]> {
      if (!events.length) return [];
      const { updatePeer } = await autocryptCode();
      const changed: string[] = [];
      await write(
        async (s) => {
          for (const event of events) {
            const address = normalizeAddress(event.address);
            const key = RECORD_KEYS.autocrypt(address);
            const previous = ((await requestDone(s.get(key))) as AutocryptPeerRecord | undefined) ?? null;
            const next = updatePeer(previous, { ...event, address }, SCHEMA_VERSION);
            if (!next) continue;
            s.put(next, key);
            if (!changed.includes(address)) changed.push(address);
          }
        },
        'Recording Autocrypt state',
        null,
      );
      if (changed.length) {
        changed.forEach((address) => addressIndex.add(address));
        announce({ type: 'pins-changed', addresses: changed });
      }
      return changed;
    },

    /** When a key was last refreshed from the key server (ISO), or null. */
    async refreshedAt(fingerprint: string): Promise<string | null> {
      return read(
        async (s) => ((await requestDone(s.get(RECORD_KEYS.refreshed(fingerprint)))) as string | undefined) ?? null,
        'Reading refresh time',
      );
    },

    async markRefreshed(fingerprint: string, at: string): Promise<void> {
      // Bookkeeping for the refresh schedule: nothing another tab shows changes.
      await write((s) => void s.put(at, RECORD_KEYS.refreshed(fingerprint)), 'Recording a refresh', null);
    },

    /** Bind a secret key to an address (one key per address), or unbind with null. */
    async bind(address: string, fingerprint: string | null): Promise<void> {
      const wanted = normalizeAddress(address);
      if (fingerprint && !(await eligibleKeys(wanted)).some((e) => e.fingerprint === fingerprint)) {
        throw new AppError('keystore/not-eligible', `${fingerprint} cannot serve ${wanted}`, {
          detail: `Only a valid secret key with a user ID for ${wanted} can be bound to it.`,
        });
      }
      await write(async (s) => {
        const record = ((await requestDone(s.get(RECORD_KEYS.bindings))) as BindingsRecord | undefined) ?? {
          v: SCHEMA_VERSION,
          bindings: {},
        };
        const bindings = { ...record.bindings };
        if (fingerprint) bindings[wanted] = fingerprint;
        else delete bindings[wanted];
        s.put({ v: SCHEMA_VERSION, bindings }, RECORD_KEYS.bindings);
      }, 'Saving the key binding');
    },
  };
}
