import { describe, expect, it } from 'vitest';
import { wkdLocation, zbase32 } from './wkd-url';

describe('WKD hash and URLs (draft-koch-openpgp-webkey-service)', () => {
  it('matches the spec example Joe.Doe@Example.ORG', async () => {
    const loc = await wkdLocation('Joe.Doe@Example.ORG');
    expect(loc.hash).toBe('iy9q119eutrkn8s1mk4r39qejnbu3n5q');
    expect(loc.advanced).toBe(
      'https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe',
    );
    expect(loc.direct).toBe('https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe');
  });

  it.each([
    ['JOE.DOE@example.org', 'iy9q119eutrkn8s1mk4r39qejnbu3n5q'],
    ['test1@example.org', 'stnkabub89rpcphiz4ppbxixkwyt1pic'],
    ['me@example.org', 's8y7oh5xrdpu9psba3i5ntk64ohouhga'],
    // ASCII-only lowercasing, as the spec and GnuPG do (full Unicode folding would give yhbf4g…).
    ['Ünïcödé.User@example.org', 'hwr7mdp49pi6niao8w1a1db9bgghhfpr'],
  ])('hashes %s', async (address, hash) => {
    expect((await wkdLocation(address)).hash).toBe(hash);
  });

  it('keeps the local part unchanged in l=, punycodes IDN domains and splits at the last @', async () => {
    expect((await wkdLocation('Ünïcödé.User@example.org')).advanced).toMatch(/\?l=%C3%9Cn%C3%AFc%C3%B6d%C3%A9\.User$/);
    expect((await wkdLocation('x@Bücher.Example')).advanced).toMatch(
      /^https:\/\/openpgpkey\.xn--bcher-kva\.example\/\.well-known\/openpgpkey\/xn--bcher-kva\.example\/hu\//,
    );
    expect((await wkdLocation('joe+tag@example.org')).localPart).toBe('joe+tag');
    expect((await wkdLocation('"a@b"@example.org')).domain).toBe('example.org');
  });

  it('encodes z-base-32 without padding', () => {
    expect(zbase32(new Uint8Array([0xf0, 0xbf, 0xc7]))).toHaveLength(5);
    expect(zbase32(new Uint8Array(20))).toBe('y'.repeat(32));
  });
});
