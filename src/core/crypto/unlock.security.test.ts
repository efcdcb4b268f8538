import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCryptoApi } from './api';

afterEach(() => vi.useRealTimers());

describe('the unlock time limit holds even when timers sleep', () => {
  it('a key past its time is locked at its next use, though its timer never fired', async () => {
    const crypto = createCryptoApi();
    const key = await crypto.generateKey({
      name: 'A',
      email: 'a@example.test',
      passphrase: 'long enough passphrase',
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 86400,
    });
    vi.useFakeTimers({ toFake: ['Date'] }); // the clock moves on; setTimeout stays real and asleep
    const { fingerprint } = await crypto.unlockKey(key.armoredSecret!, 'long enough passphrase', 60_000);
    expect(await crypto.unlockedKeys()).toEqual([fingerprint]);
    vi.setSystemTime(Date.now() + 61_000); // a laptop lid closed for a minute
    expect(await crypto.unlockedKeys()).toEqual([]);
    await expect(crypto.signPayload({ payload: 'x', signWith: fingerprint })).rejects.toMatchObject({
      code: 'crypto/key-locked',
    });
  });
});
