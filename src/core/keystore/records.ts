import type { KeySummary } from '../crypto/types';

/** Bumped when the stored shapes change; migrations.ts carries older databases forward. */
export const SCHEMA_VERSION = 1;

/** One key: its armored forms and full summary. Secret parts are always passphrase-encrypted. */
export type KeyRecord = {
  v: number;
  fingerprint: string;
  armoredPublic: string;
  armoredSecret: string | null;
  revocationCertificate: string | null;
  summary: KeySummary;
  origin: 'generated' | 'imported';
  addedAt: string;
  updatedAt: string;
};

/** The small per-key row that lists and look-ups read, so start-up and lists never parse keys. */
export type KeyListEntry = {
  v: number;
  fingerprint: string;
  kind: 'public' | 'secret';
  primaryUserId: string | null;
  /** Lower-cased addresses of the key's valid user IDs. */
  addresses: string[];
  status: KeySummary['status'];
  expires: string | null;
  algorithm: string;
  created: string;
  version: number;
  updatedAt: string;
};

/** Which secret key serves which of the account's addresses. */
export type BindingsRecord = { v: number; bindings: Record<string, string> };

/** The key last used for an address (trust on first use): a different key later is a warning sign. */
export type PinRecord = {
  v: number;
  address: string;
  fingerprint: string;
  source: 'wkd' | 'vks' | 'keystore' | 'autocrypt';
  url: string | null;
  armoredPublic: string;
  firstSeen: string;
  /** When a look-up last confirmed this key. */
  checkedAt: string;
  /** A different key the user chose not to accept; it does not raise the alarm again. */
  declined: string | null;
};

export const RECORD_KEYS = {
  meta: 'meta',
  bindings: 'bindings',
  key: (fingerprint: string) => `key/${fingerprint}`,
  entry: (fingerprint: string) => `entry/${fingerprint}`,
  address: (address: string) => `addr/${address}`,
  addressRange: () => IDBKeyRange.bound('addr/', 'addr/\uffff'),
  pin: (address: string) => `pin/${address}`,
  pinRange: () => IDBKeyRange.bound('pin/', 'pin/\uffff'),
  autocrypt: (address: string) => `ac/${address}`,
  autocryptRange: () => IDBKeyRange.bound('ac/', 'ac/\uffff'),
  refreshed: (fingerprint: string) => `refreshed/${fingerprint}`,
  entryRange: () => IDBKeyRange.bound('entry/', 'entry/\uffff'),
} as const;

export const normalizeAddress = (address: string): string => address.trim().toLowerCase();

export function listEntryOf(record: KeyRecord): KeyListEntry {
  const s = record.summary;
  return {
    v: SCHEMA_VERSION,
    fingerprint: record.fingerprint,
    kind: s.kind,
    primaryUserId: s.primaryUserId,
    addresses: [
      ...new Set(s.userIds.filter((u) => u.status === 'valid' && u.email).map((u) => normalizeAddress(u.email))),
    ],
    status: s.status,
    expires: s.expires,
    algorithm: s.algorithm,
    created: s.created,
    version: s.version,
    updatedAt: record.updatedAt,
  };
}

/** Status as of `now`: a key stored as valid may have expired since. */
export function currentStatus(entry: Pick<KeyListEntry, 'status' | 'expires'>, now: Date): KeyListEntry['status'] {
  if (entry.status === 'valid' && entry.expires && Date.parse(entry.expires) <= now.getTime()) return 'expired';
  return entry.status;
}
