import { useEffect, useSyncExternalStore } from 'react';
import type { Keystore } from '@/core/keystore/keystore';
import { currentStatus, type KeyRecord, normalizeAddress } from '@/core/keystore/records';
import { useServices } from '@/services/services';

export type OwnKeyStatus = {
  status: 'pending' | 'valid' | 'invalid' | 'none';
  fingerprint?: string;
  expires?: string | null;
  detail?: string;
};

const EXPIRY_WARNING_MS = 30 * 86400_000;

/** The key bound to an address and its record; neither when nothing is bound (or it cannot be read). */
type BoundKey = { fingerprint?: string; record?: KeyRecord };
const NOTHING_BOUND: BoundKey = {};

async function readBoundKey(keystore: Keystore, address: string): Promise<BoundKey> {
  const fingerprint = (await keystore.bindings())[address];
  if (!fingerprint) return NOTHING_BOUND;
  return { fingerprint, record: await keystore.get(fingerprint) };
}

/**
 * What the From control shows, read straight from the keystore (the composer's first render does
 * not wait for the query layer). Each change to the keys, here or noted from another tab, reads the
 * addresses asked for again; until then they keep their last answer.
 */
function createBoundKeyReader(keystore: Keystore) {
  const known = new Map<string, BoundKey>();
  const reading = new Set<string>();
  const listeners = new Set<() => void>();
  let generation = 0;

  function read(address: string) {
    const started = generation;
    reading.add(address);
    void readBoundKey(keystore, address)
      .catch(() => NOTHING_BOUND)
      .then((found) => {
        reading.delete(address);
        if (started !== generation) return read(address); // the keys changed meanwhile
        known.set(address, found);
        listeners.forEach((listener) => listener());
      });
  }

  keystore.subscribe((change) => {
    if (change.type === 'pins-changed') return;
    generation++;
    for (const address of known.keys()) if (!reading.has(address)) read(address);
  });

  return {
    want(address: string) {
      if (!known.has(address) && !reading.has(address)) read(address);
    },
    get: (address: string): BoundKey | undefined => known.get(address),
    subscribe(onChange: () => void) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

const readers = new WeakMap<Keystore, ReturnType<typeof createBoundKeyReader>>();

function boundKeyReader(keystore: Keystore) {
  let reader = readers.get(keystore);
  if (!reader) readers.set(keystore, (reader = createBoundKeyReader(keystore)));
  return reader;
}

/** The key bound to one of the user's addresses, as the From control shows it. */
export function useOwnKeyStatus(address: string | undefined): OwnKeyStatus & { expiresSoon: boolean } {
  const { keystore, now } = useServices();
  const reader = boundKeyReader(keystore);
  const wanted = address ? normalizeAddress(address) : '';
  useEffect(() => {
    if (wanted) reader.want(wanted);
  }, [reader, wanted]);
  const bound = useSyncExternalStore(reader.subscribe, () => (wanted ? reader.get(wanted) : NOTHING_BOUND));
  if (!bound) return { status: 'pending', expiresSoon: false };
  const { fingerprint, record } = bound;
  if (!fingerprint || !record) return { status: 'none', expiresSoon: false };
  const summary = record.summary;
  const status = currentStatus(summary, now());
  const expiresSoon =
    status === 'valid' && !!summary.expires && Date.parse(summary.expires) - now().getTime() < EXPIRY_WARNING_MS;
  return {
    status: status === 'valid' ? 'valid' : 'invalid',
    fingerprint,
    expires: summary.expires,
    expiresSoon,
    ...(status !== 'valid' ? { detail: summary.statusDetail ?? `The key is ${status}.` } : {}),
  };
}
