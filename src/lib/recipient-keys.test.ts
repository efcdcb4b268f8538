import { describe, expect, it } from 'vitest';
import { AppError } from '@/core/errors/app-error';
import { recipientKeyQuery } from './recipient-keys';
import type { Services } from './services';

const failingKeystore = (aborted = false) => {
  const controller = new AbortController();
  const services = {
    now: () => new Date('2026-11-29T10:00:00Z'),
    keystore: {
      getPin: async () => {
        if (aborted) controller.abort();
        throw new AppError('keystore/unavailable', 'Reading a pinned key: the database is closed');
      },
    },
    discovery: { fromKeystore: async () => null, discoverKey: async () => ({ status: 'none', failures: [], checkedAt: '' }) },
    crypto: {},
  } as unknown as Services;
  return { query: recipientKeyQuery(services, 'bob@example.org'), signal: controller.signal };
};

describe('recipient key query', () => {
  it('a failure in this browser (keystore, worker) ends as "error" with the reason, not as a look-up that never ends', async () => {
    const { query, signal } = failingKeystore();
    await expect(query.queryFn({ signal })).resolves.toMatchObject({ status: 'error', failures: [], detail: expect.stringMatching(/\w/) });
  });

  it('a cancelled look-up stays cancelled', async () => {
    const { query, signal } = failingKeystore(true);
    await expect(query.queryFn({ signal })).rejects.toMatchObject({ code: 'keystore/unavailable' });
  });
});
