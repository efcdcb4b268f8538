import type { DirectoryState } from './publishing-client';

/** What the Keys view shows for one address's web key directory entry (UI contract: `data-wkd-status`). */
export type WkdStatus = 'published' | 'revoked' | 'not-published' | 'pending' | 'unavailable' | 'error';

export type BoundKey = {
  fingerprint: string;
  /** When the stored key last changed (a new user ID, a new expiry, a merged copy, a revocation). */
  updatedAt: string;
  status: 'valid' | 'expired' | 'revoked' | 'invalid' | 'no-encryption-subkey';
};

export type PublicationInput = {
  /** Whether the companion is the web key directory for the address's domain. */
  served: boolean;
  /** The key bound to the address in this browser, if any. */
  bound: BoundKey | null;
  /** The user's switch **Publish key for <address>** (on by default). */
  publishOn: boolean;
  /** What the directory serves now. */
  directory: DirectoryState;
  /** What this browser last published for the address (fingerprint and the key's updatedAt then). */
  lastPublished: { fingerprint: string; updatedAt: string } | null;
};

export type PublicationPlan = { action: 'publish' | 'withdraw' | 'none'; shown: WkdStatus };

/**
 * What to do about one address's directory entry. The binding drives it: a bound, usable key is
 * published (again whenever it changed), a revocation of the published key replaces it, and an
 * entry is withdrawn when the switch is off or nothing is bound. Only an entry this browser
 * published is ever withdrawn: bindings live in each browser, and another device of the same
 * account (even one holding the same key, unbound there) must not undo its publication.
 */
export function planPublication(input: PublicationInput): PublicationPlan {
  const { bound, directory } = input;
  if (!input.served || directory.status === 'unavailable') return { action: 'none', shown: 'unavailable' };
  const served = directory.status === 'published' || directory.status === 'revoked' ? directory : null;
  const servedHere = !!served?.fingerprint && input.lastPublished?.fingerprint === served.fingerprint;
  if (!bound || !input.publishOn) {
    if (served?.status === 'revoked') return { action: 'none', shown: 'revoked' }; // a revocation stays for its period
    // `published` means the bound key is served: with none bound (or the switch off), another
    // device's key in the directory is not this binding's publication.
    return served && servedHere ? { action: 'withdraw', shown: 'pending' } : { action: 'none', shown: 'not-published' };
  }
  const upToDate =
    served?.fingerprint === bound.fingerprint &&
    input.lastPublished?.fingerprint === bound.fingerprint &&
    input.lastPublished.updatedAt === bound.updatedAt;
  if (bound.status === 'revoked') {
    if (served?.fingerprint !== bound.fingerprint)
      return { action: 'none', shown: served ? 'published' : 'not-published' };
    return served.status === 'revoked' && upToDate
      ? { action: 'none', shown: 'revoked' }
      : { action: 'publish', shown: 'pending' };
  }
  if (bound.status !== 'valid')
    return { action: 'none', shown: served?.fingerprint === bound.fingerprint ? 'published' : 'not-published' };
  return upToDate && served?.status === 'published'
    ? { action: 'none', shown: 'published' }
    : { action: 'publish', shown: 'pending' };
}
