import { describe, expect, it } from 'vitest';
import { type PublicationInput, planPublication } from './plan-publication';

const A = 'A'.repeat(40);
const B = 'B'.repeat(40);
const base: PublicationInput = {
  served: true,
  bound: { fingerprint: A, updatedAt: 't1', status: 'valid' },
  publishOn: true,
  directory: { status: 'not-published' },
  lastPublished: null,
};
const plan = (over: Partial<PublicationInput>) => planPublication({ ...base, ...over });

describe('planPublication', () => {
  it('publishes a bound key that is not served yet, and does nothing more once it is', () => {
    expect(plan({})).toEqual({ action: 'publish', shown: 'pending' });
    expect(
      plan({ directory: { status: 'published', fingerprint: A }, lastPublished: { fingerprint: A, updatedAt: 't1' } }),
    ).toEqual({ action: 'none', shown: 'published' });
  });

  it('publishes again when the bound key changed (new user ID, new expiry, a newer copy)', () => {
    expect(
      plan({ directory: { status: 'published', fingerprint: A }, lastPublished: { fingerprint: A, updatedAt: 't0' } }),
    ).toEqual({ action: 'publish', shown: 'pending' });
  });

  it('replaces another key served for the address by the bound one', () => {
    expect(plan({ directory: { status: 'published', fingerprint: B }, lastPublished: null })).toEqual({
      action: 'publish',
      shown: 'pending',
    });
  });

  it('withdraws when the switch is off or the key is unbound, but only an entry of this browser', () => {
    const mine = {
      directory: { status: 'published', fingerprint: A } as const,
      lastPublished: { fingerprint: A, updatedAt: 't1' },
    };
    expect(plan({ ...mine, publishOn: false })).toEqual({ action: 'withdraw', shown: 'pending' });
    expect(plan({ ...mine, bound: null })).toEqual({ action: 'withdraw', shown: 'pending' });
    // Another device's publication, even of a key this keystore holds too: not this browser's to withdraw.
    expect(plan({ bound: null, directory: { status: 'published', fingerprint: A }, lastPublished: null })).toEqual({
      action: 'none',
      shown: 'not-published',
    });
    expect(plan({ bound: null, directory: { status: 'published', fingerprint: B }, lastPublished: null })).toEqual({
      action: 'none',
      shown: 'not-published',
    });
  });

  it('publishes the revocation of the published key, and keeps a served revocation', () => {
    const revoked = { fingerprint: A, updatedAt: 't2', status: 'revoked' as const };
    expect(
      plan({
        bound: revoked,
        directory: { status: 'published', fingerprint: A },
        lastPublished: { fingerprint: A, updatedAt: 't1' },
      }),
    ).toEqual({ action: 'publish', shown: 'pending' });
    expect(
      plan({
        bound: revoked,
        directory: { status: 'revoked', fingerprint: A },
        lastPublished: { fingerprint: A, updatedAt: 't2' },
      }),
    ).toEqual({ action: 'none', shown: 'revoked' });
    expect(plan({ bound: null, directory: { status: 'revoked', fingerprint: A } })).toEqual({
      action: 'none',
      shown: 'revoked',
    });
    // A revoked key that was never published is not published now.
    expect(plan({ bound: revoked })).toEqual({ action: 'none', shown: 'not-published' });
  });

  it('never publishes an expired key; says unavailable where no directory serves the address', () => {
    expect(plan({ bound: { fingerprint: A, updatedAt: 't1', status: 'expired' } })).toEqual({
      action: 'none',
      shown: 'not-published',
    });
    expect(plan({ served: false })).toEqual({ action: 'none', shown: 'unavailable' });
    expect(plan({ directory: { status: 'unavailable', reason: 'x' } })).toEqual({
      action: 'none',
      shown: 'unavailable',
    });
  });
});
