import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/test-server';
import { createSlots } from '../../src/core/jmap/request-slots';
import type { RunningAppServer } from '../app-server';

/** Every limit the session advertises is enforced, and then some the server needs for itself. */
let server: RunningAppServer;
let running: Awaited<ReturnType<typeof startTestServer>>;
const ALICE = `Basic ${Buffer.from('alice@example.test:alice-pass').toString('base64')}`;
let accountId: string;

const api = (body: unknown) =>
  fetch(new URL('/jmap/api/', server.url), {
    method: 'POST',
    headers: { Authorization: ALICE, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  running = await startTestServer('limits-security', {
    limits: {
      maxObjectsInSet: 3,
      maxConcurrentUpload: 2,
      maxConcurrentRequests: 2,
      accountQuota: 64 * 1024,
      maxSizeResponse: 1024 * 1024,
    },
  });
  ({ server } = running);
  const session = (await (
    await fetch(new URL('/.well-known/jmap', server.url), { headers: { Authorization: ALICE } })
  ).json()) as { primaryAccounts: Record<string, string> };
  accountId = session.primaryAccounts['urn:ietf:params:jmap:mail']!;
});
afterAll(async () => {
  await running?.stop();
});

describe('JMAP limits are enforced', () => {
  it('maxObjectsInSet: an EmailSubmission/set creating more is refused (requestTooLarge)', async () => {
    const create = Object.fromEntries(
      Array.from({ length: 4 }, (_, i) => [`s${i}`, { identityId: 'x', emailId: 'y' }]),
    );
    const answer = (await (
      await api({
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:submission'],
        methodCalls: [['EmailSubmission/set', { accountId, create }, 'c']],
      })
    ).json()) as {
      methodResponses: [string, { type: string }, string][];
    };
    expect(answer.methodResponses[0]).toMatchObject(['error', { type: 'requestTooLarge' }, 'c']);
  });

  it('a chain of result references cannot double the response until the connection dies', async () => {
    const calls: unknown[] = [['Core/echo', { payload: 'x'.repeat(1000) }, 'c0']];
    for (let i = 1; i <= 30; i++) {
      const ref = { resultOf: `c${i - 1}`, name: 'Core/echo', path: '' };
      calls.push(['Core/echo', { '#a': ref, '#b': ref }, `c${i}`]);
    }
    const answer = await api({ using: ['urn:ietf:params:jmap:core'], methodCalls: calls });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ type: 'urn:ietf:params:jmap:error:limit', limit: 'maxSizeResponse' });
  });

  it('maxConcurrentUpload: uploads beyond it at once are refused with a limit error; the account’s quota holds', async () => {
    // Two uploads whose bodies never finish hold both slots.
    const held = [0, 1].map(() => {
      const req = httpRequest(new URL(`/jmap/upload/${accountId}/`, server.url), {
        method: 'POST',
        headers: { Authorization: ALICE, 'Content-Type': 'application/octet-stream', 'Content-Length': '100' },
      });
      req.on('error', () => undefined);
      req.write('partial');
      return req;
    });
    await new Promise((ok) => setTimeout(ok, 200));
    const third = await fetch(new URL(`/jmap/upload/${accountId}/`, server.url), {
      method: 'POST',
      headers: { Authorization: ALICE },
      body: 'x',
    });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ limit: 'maxConcurrentUpload' });
    held.forEach((r) => r.destroy());
    await new Promise((ok) => setTimeout(ok, 100));
    const big = await fetch(new URL(`/jmap/upload/${accountId}/`, server.url), {
      method: 'POST',
      headers: { Authorization: ALICE },
      body: 'x'.repeat(70 * 1024),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ limit: 'accountQuota' });
  });

  it('maxConcurrentRequests: the app queues its own requests (one slot set per account)', async () => {
    const slots = createSlots({ max: 2, name: 'test', locks: null });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        slots(async () => {
          peak = Math.max(peak, ++running);
          await api({ using: ['urn:ietf:params:jmap:core'], methodCalls: [['Core/echo', {}, 'e']] });
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
