import { describe, expect, it } from 'vitest';
import { type AutocryptPeerRecord, autocryptKeyOf, effectiveDate, updatePeer } from './autocrypt-peers';

const day = (n: number) => new Date(Date.UTC(2026, 10, 1) + n * 24 * 3600_000);
const header = (n: number, fingerprint = 'A1', keydata = 'AAAA') =>
  ({ kind: 'header', address: 'carol@example.org', date: day(n), keydata, fingerprint, preferEncrypt: true }) as const;
const none = (n: number) => ({ kind: 'none', address: 'carol@example.org', date: day(n) }) as const;
const gossip = (n: number, fingerprint = 'G1') =>
  ({ kind: 'gossip', address: 'carol@example.org', date: day(n), keydata: 'BBBB', fingerprint }) as const;

/** Applies events in order, as reading those messages one by one would. */
const apply = (...events: Parameters<typeof updatePeer>[1][]) =>
  events.reduce<AutocryptPeerRecord | null>((record, e) => updatePeer(record, e, 1) ?? record, null);

describe('Autocrypt peer state (Level 1)', () => {
  it('a header creates the record with its key, date and prefer-encrypt', () => {
    expect(apply(header(1))).toMatchObject({
      address: 'carol@example.org',
      lastSeen: day(1).toISOString(),
      autocryptTimestamp: day(1).toISOString(),
      publicKey: 'AAAA',
      fingerprint: 'A1',
      preferEncrypt: true,
    });
  });

  it('mail without a header creates nothing, and later only moves last_seen', () => {
    expect(apply(none(1))).toBeNull();
    const record = apply(header(1), none(5));
    expect(record).toMatchObject({ fingerprint: 'A1', lastSeen: day(5).toISOString() });
    expect(autocryptKeyOf(record)).toMatchObject({ fingerprint: 'A1', from: 'header', stale: false });
    expect(autocryptKeyOf(apply(header(1), none(40)))).toMatchObject({ stale: true });
  });

  it('an older message never replaces the kept header, a newer one does', () => {
    expect(apply(header(5, 'NEW'), header(1, 'OLD'))).toMatchObject({ fingerprint: 'NEW' });
    expect(apply(header(1, 'OLD'), header(5, 'NEW'))).toMatchObject({ fingerprint: 'NEW' });
  });

  it('reading the same message again changes nothing', () => {
    const record = apply(header(1));
    expect(updatePeer(record, header(1), 1)).toBeNull();
    expect(updatePeer(apply(gossip(1)), gossip(1), 1)).toBeNull();
  });

  it('gossip is kept apart; a header beats it, and gossip alone is only a discouraged key', () => {
    const onlyGossip = apply(gossip(1));
    expect(onlyGossip).toMatchObject({ lastSeen: null, publicKey: null, gossipFingerprint: 'G1' });
    expect(autocryptKeyOf(onlyGossip)).toMatchObject({ fingerprint: 'G1', from: 'gossip', stale: true });
    expect(autocryptKeyOf(apply(gossip(1), header(2)))).toMatchObject({ fingerprint: 'A1', from: 'header' });
    expect(autocryptKeyOf(apply(header(1), gossip(9, 'G2')))).toMatchObject({ fingerprint: 'A1' });
    expect(apply(gossip(9, 'G2'), gossip(3, 'G1'))).toMatchObject({ gossipFingerprint: 'G2' });
  });

  it('a Date in the future or missing counts as the time of reading', () => {
    const now = day(10);
    expect(effectiveDate(day(30).toUTCString(), now)).toEqual(now);
    expect(effectiveDate(null, now)).toEqual(now);
    expect(effectiveDate('not a date', now)).toEqual(now);
    expect(effectiveDate(day(2).toISOString(), now)).toEqual(day(2));
  });
});
