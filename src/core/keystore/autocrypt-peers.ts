/**
 * Autocrypt Level 1 peer state (§2.3, §2.4, §2.7): what a correspondent's own mail (or mail
 * gossiping about them) said about their key, kept per address.
 */
export type AutocryptPeerRecord = {
  v: number;
  address: string;
  /** The effective date of the newest message from this address that was read; null for gossip only. */
  lastSeen: string | null;
  /** The effective date of the message whose Autocrypt header is kept. */
  autocryptTimestamp: string | null;
  /** Base64 keydata of that header, its primary key's fingerprint and its prefer-encrypt. */
  publicKey: string | null;
  fingerprint: string | null;
  preferEncrypt: boolean;
  gossipTimestamp: string | null;
  gossipKey: string | null;
  gossipFingerprint: string | null;
};

/** What one message says about one address. `none`: mail from the address without a usable header. */
export type AutocryptEvent =
  | { kind: 'header'; address: string; date: Date; keydata: string; fingerprint: string; preferEncrypt: boolean }
  | { kind: 'gossip'; address: string; date: Date; keydata: string; fingerprint: string }
  | { kind: 'none'; address: string; date: Date };

/** Level 1 §2.4.2: a header older than this before last_seen makes the recommendation "discourage". */
export const AUTOCRYPT_STALE_MS = 35 * 24 * 3600_000;

/**
 * The message's effective date (Level 1 §2.3): its Date, or the time of reading when it has none
 * or claims one in the future.
 */
export function effectiveDate(date: string | null, now: Date): Date {
  const claimed = date ? new Date(date) : null;
  return claimed && !Number.isNaN(claimed.getTime()) && claimed <= now ? claimed : now;
}

const before = (a: Date, iso: string | null) => iso !== null && a.getTime() < Date.parse(iso);

/**
 * The record after one event, or null when nothing changes (so reading a message again writes
 * nothing). Mail older than the kept header never replaces it; gossip never touches the header.
 */
export function updatePeer(
  previous: AutocryptPeerRecord | null,
  event: AutocryptEvent,
  version: number,
): AutocryptPeerRecord | null {
  const date = event.date.toISOString();
  if (event.kind === 'gossip') {
    if (previous && (before(event.date, previous.gossipTimestamp) || previous.gossipTimestamp === date)) return null;
    return {
      ...(previous ?? emptyRecord(event.address, version)),
      gossipTimestamp: date,
      gossipKey: event.keydata,
      gossipFingerprint: event.fingerprint,
    };
  }
  if (!previous && event.kind === 'none') return null;
  if (previous && before(event.date, previous.autocryptTimestamp)) return null;
  const base = previous ?? emptyRecord(event.address, version);
  const lastSeen = base.lastSeen === null || !before(event.date, base.lastSeen) ? date : base.lastSeen;
  const next: AutocryptPeerRecord =
    event.kind === 'header'
      ? {
          ...base,
          lastSeen,
          autocryptTimestamp: date,
          publicKey: event.keydata,
          fingerprint: event.fingerprint,
          preferEncrypt: event.preferEncrypt,
        }
      : { ...base, lastSeen };
  return JSON.stringify(next) === JSON.stringify(previous) ? null : next;
}

function emptyRecord(address: string, version: number): AutocryptPeerRecord {
  return {
    v: version,
    address,
    lastSeen: null,
    autocryptTimestamp: null,
    publicKey: null,
    fingerprint: null,
    preferEncrypt: false,
    gossipTimestamp: null,
    gossipKey: null,
    gossipFingerprint: null,
  };
}

/** The key Autocrypt offers for the peer: its own header's, else gossip's (Level 1: headers beat gossip). */
export type AutocryptKey = {
  keydata: string;
  fingerprint: string;
  from: 'header' | 'gossip';
  /** When the mail that carried it was written. */
  seen: string;
  /** Level 1 "discourage": only gossip, or the peer's recent mail came without the header. */
  stale: boolean;
};

export function autocryptKeyOf(record: AutocryptPeerRecord | null): AutocryptKey | null {
  if (!record) return null;
  if (record.publicKey && record.fingerprint && record.autocryptTimestamp) {
    const gap = record.lastSeen ? Date.parse(record.lastSeen) - Date.parse(record.autocryptTimestamp) : 0;
    return {
      keydata: record.publicKey,
      fingerprint: record.fingerprint,
      from: 'header',
      seen: record.autocryptTimestamp,
      stale: gap > AUTOCRYPT_STALE_MS,
    };
  }
  if (record.gossipKey && record.gossipFingerprint && record.gossipTimestamp)
    return {
      keydata: record.gossipKey,
      fingerprint: record.gossipFingerprint,
      from: 'gossip',
      seen: record.gossipTimestamp,
      stale: true,
    };
  return null;
}
