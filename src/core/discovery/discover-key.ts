import { type AutocryptKey, type AutocryptPeerRecord, autocryptKeyOf } from '../keystore/autocrypt-peers';
import { currentStatus, type KeyListEntry } from '../keystore/records';
import type { KeyLookup } from './key-lookup';
import type { DiscoveryResult, DiscoverySettings, FoundKey } from './types';

export type KeystoreLookup = {
  entriesFor(address: string): Promise<KeyListEntry[]>;
  get(fingerprint: string): Promise<{ armoredPublic: string; summary: FoundKey['summary'] }>;
  autocryptPeer(address: string): Promise<AutocryptPeerRecord | null>;
};

export type DiscoveryDeps = {
  keystore: KeystoreLookup;
  settings: () => DiscoverySettings;
  /** Runs in the crypto worker in the app, so responses and key checks stay off the main thread. */
  lookUp: KeyLookup;
  now?: () => Date;
};

/**
 * Find a recipient's key: the keystore first, then the look-up (WKD, the Autocrypt key from the
 * peer's mail, the key server). A usable stored key ends the search; an unusable one (expired,
 * revoked) is reported only when the look-up has nothing.
 */
export function createDiscovery(deps: DiscoveryDeps) {
  const now = deps.now ?? (() => new Date());

  type StoredResult = Extract<DiscoveryResult, { status: 'found' | 'invalid' }>;

  /** The keystore's key for the address: a usable one (found), else an unusable one (invalid: expired, revoked), else null. */
  async function fromKeystore(address: string): Promise<StoredResult | null> {
    const entries = await deps.keystore.entriesFor(address);
    const usable = entries.find((e) => currentStatus(e, now()) === 'valid');
    const entry = usable ?? entries[0];
    if (!entry) return null;
    const record = await deps.keystore.get(entry.fingerprint);
    const base = {
      source: 'keystore' as const,
      fingerprint: entry.fingerprint,
      armoredPublic: record.armoredPublic,
      summary: record.summary,
      url: null,
      checkedAt: now().toISOString(),
      failures: [],
    };
    if (usable) return { status: 'found', ...base };
    return {
      status: 'invalid',
      ...base,
      problem: record.summary.statusDetail ?? `The stored key is ${currentStatus(entry, now())}.`,
    };
  }

  return {
    fromKeystore,

    /** The key the address's own mail (or gossip about it) offered through Autocrypt, if any. */
    async autocryptKey(address: string): Promise<AutocryptKey | null> {
      return autocryptKeyOf(await deps.keystore.autocryptPeer(address));
    },

    /**
     * The full search. `vouchingKey`: a key pinned earlier, to learn whether it certifies what is
     * found; `local`: what the caller's own fromKeystore() answered (the keystore is not read again);
     * `remote`: the network look-up, if the caller started it already (with no vouching key and
     * no Autocrypt key); `autocrypt`: what the caller's own autocryptKey() answered.
     */
    async discoverKey(
      address: string,
      options: {
        signal?: AbortSignal;
        vouchingKey?: string;
        local?: StoredResult | null;
        autocrypt?: AutocryptKey | null;
        remote?: Promise<DiscoveryResult>;
      } = {},
    ): Promise<DiscoveryResult> {
      const { signal, vouchingKey } = options;
      const stored = 'local' in options ? (options.local ?? null) : await fromKeystore(address);
      if (stored?.status === 'found') return stored;
      const autocrypt =
        'autocrypt' in options
          ? (options.autocrypt ?? null)
          : autocryptKeyOf(await deps.keystore.autocryptPeer(address));
      const remote = await (options.remote ??
        deps.lookUp(address, deps.settings(), {
          ...(signal ? { signal } : {}),
          ...(vouchingKey ? { vouchingKey } : {}),
          ...(autocrypt ? { autocrypt } : {}),
        }));
      if (stored && (remote.status === 'none' || remote.status === 'error'))
        return { ...stored, checkedAt: remote.checkedAt, failures: remote.failures };
      return remote;
    },
  };
}

export type DiscoveryService = ReturnType<typeof createDiscovery>;

/** The network look-up of discoverKey(), started by the caller itself; `cancel()` aborts it. */
export type EarlyLookUp = { result: Promise<DiscoveryResult>; cancel(): void };
