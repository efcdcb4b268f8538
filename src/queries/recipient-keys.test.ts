import { describe, expect, it } from 'vitest';
import { AppError } from '@/core/errors/app-error';
import { recipientKeyQuery } from './recipient-keys';
import type { Services } from '@/services/services';

const failingKeystore = (aborted = false) => {
  const controller = new AbortController();
  const services = {
    now: () => new Date('2026-11-29T10:00:00Z'),
    keystore: {
      mayHold: () => undefined,
      getPin: async () => {
        if (aborted) controller.abort();
        throw new AppError('keystore/unavailable', 'Reading a pinned key: the database is closed');
      },
    },
    discovery: {
      fromKeystore: async () => null,
      autocryptKey: async () => null,
      discoverKey: async () => ({ status: 'none', failures: [], checkedAt: '' }),
    },
    crypto: {},
  } as unknown as Services;
  return { query: recipientKeyQuery(services, 'bob@example.org'), signal: controller.signal };
};

describe('recipient key query', () => {
  it('a failure in this browser (keystore, worker) ends as "error" with the reason, not as a look-up that never ends', async () => {
    const { query, signal } = failingKeystore();
    await expect(query.queryFn({ signal })).resolves.toMatchObject({
      status: 'error',
      failures: [],
      detail: expect.stringMatching(/\w/),
    });
  });

  it('a cancelled look-up stays cancelled', async () => {
    const { query, signal } = failingKeystore(true);
    await expect(query.queryFn({ signal })).rejects.toMatchObject({ code: 'keystore/unavailable' });
  });

  describe('starting the network look-up early', () => {
    const servicesWith = (mayHold: boolean | undefined, pinned = false) => {
      const asked: string[] = [];
      const signals: AbortSignal[] = [];
      const services = {
        now: () => new Date('2026-11-29T10:00:00Z'),
        keystore: {
          mayHold: () => mayHold,
          getPin: async () =>
            pinned
              ? {
                  address: 'bob@example.org',
                  fingerprint: 'F',
                  source: 'wkd',
                  url: null,
                  armoredPublic: 'k',
                  firstSeen: '2026-11-29T09:00:00Z',
                  checkedAt: '2026-11-29T09:00:00Z',
                  declined: null,
                  v: 1,
                }
              : null,
        },
        discovery: {
          fromKeystore: async () => null,
          autocryptKey: async () => null,
          discoverKey: async (_address: string, options: { remote?: Promise<unknown> }) =>
            options.remote ? options.remote : { status: 'none', failures: [], checkedAt: 'late' },
          lookUp: (address: string, options: { signal: AbortSignal }) => {
            asked.push(address);
            signals.push(options.signal);
            return new Promise((resolve, reject) => {
              options.signal.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError')));
              setTimeout(
                () =>
                  resolve({
                    status: 'none',
                    failures: [{ source: 'wkd', reason: 'not-found', detail: 'early' }],
                    checkedAt: '',
                  }),
                5,
              );
            });
          },
        },
        crypto: { inspectKeys: async () => [{ summary: { status: 'valid' } }] },
      } as unknown as Services;
      return { services, asked, signals };
    };

    it('asks the network in the same turn as the query starts when nothing is stored for the address', async () => {
      const { services, asked } = servicesWith(false);
      const answer = recipientKeyQuery(services, 'bob@example.org').queryFn({ signal: new AbortController().signal });
      expect(asked).toEqual(['bob@example.org']); // before any await: the keystore read and the render overlap the request
      await expect(answer).resolves.toMatchObject({ status: 'none', failures: [{ detail: 'early' }] }); // its answer is the one used
    });

    it('waits for the keystore when a key may be stored, or when that is not known yet', async () => {
      for (const mayHold of [true, undefined]) {
        const { services, asked } = servicesWith(mayHold);
        await recipientKeyQuery(services, 'bob@example.org').queryFn({ signal: new AbortController().signal });
        expect(asked).toEqual([]);
      }
    });

    it('cancels it when the query is cancelled', async () => {
      const { services, signals } = servicesWith(false);
      const controller = new AbortController();
      const answer = recipientKeyQuery(services, 'bob@example.org').queryFn({ signal: controller.signal });
      expect(signals[0]?.aborted).toBe(false);
      controller.abort();
      await answer.catch(() => undefined);
      expect(signals[0]?.aborted).toBe(true);
    });

    it('cancels it when a pinned key turns up after all', async () => {
      const { services, signals } = servicesWith(false, true);
      await expect(
        recipientKeyQuery(services, 'bob@example.org').queryFn({ signal: new AbortController().signal }),
      ).resolves.toMatchObject({ status: 'valid' });
      expect(signals[0]?.aborted).toBe(true);
    });
  });
});
