import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/test-server';
import type { RunningAppServer } from '../app-server';
import { seedDemoAccounts } from './accounts';
import { createAuthGuard } from './auth-guard';
import { openDatabase } from './db';
import { createHashPool } from './hash-pool';

let dataDir: string;
let server: RunningAppServer;
let running: Awaited<ReturnType<typeof startTestServer>>;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const session = (user: string, password: string) =>
  fetch(new URL('/.well-known/jmap', server.url), { headers: { Authorization: basic(user, password) } });

beforeAll(async () => {
  running = await startTestServer('auth-security', { auth: { failLimit: 5, failWindowMs: 60_000 } });
  ({ server, dataDir } = running);
});
afterAll(async () => {
  await running?.stop();
});

describe('password checks neither block the server nor invite guessing', () => {
  it('a burst of failed sign-ins does not hold up other requests (scrypt runs off the event loop)', async () => {
    const order: string[] = [];
    const logins = Array.from({ length: 24 }, (_, i) =>
      session(`nobody${i}@example.test`, 'wrong').then(() => order.push('login')),
    );
    // Asked after the burst: with scrypt on the event loop it could only answer after all of them.
    const other = fetch(new URL('/api/companion', server.url)).then(() => order.push('companion'));
    await Promise.all([...logins, other]);
    expect(order.indexOf('companion')).toBeLessThan(order.length - 1);
  });

  it('failures past the limit are answered 429 with Retry-After; other users from the same address are not affected', async () => {
    for (let i = 0; i < 5; i++) expect((await session('carol@example.test', `guess${i}`)).status).toBe(401);
    // The first check past the limit runs (the owner may be the one typing); the next is refused.
    expect((await session('carol@example.test', 'guess-slow')).status).toBe(401);
    const limited = await session('carol@example.test', 'guess-again');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await session('bob@example.test', 'bob-pass')).status).toBe(200);
  });

  it('credentials that verified are never refused because of failures for the same user', async () => {
    expect((await session('dave@example.test', 'dave-pass')).status).toBe(200);
    for (let i = 0; i < 8; i++) await session('dave@example.test', `guess${i}`);
    expect((await session('dave@example.test', 'dave-pass')).status).toBe(200);
  });

  it('past the limit, the right password still gets in after a short wait (one check per interval)', async () => {
    let clock = 0;
    const db = openDatabase(join(dataDir, 'guard.sqlite'));
    seedDemoAccounts(db);
    const pool = createHashPool({ size: 1 });
    const guard = createAuthGuard({ db, pool, limits: { failLimit: 3, failWindowMs: 30_000 }, now: () => clock });
    for (let i = 0; i < 3; i++)
      expect(await guard.checkBasic('1.2.3.4', 'bob@example.test', 'x')).toMatchObject({ status: 401 });
    expect(await guard.checkBasic('1.2.3.4', 'bob@example.test', 'bob-pass')).toMatchObject({ ok: true }); // the slow lane
    expect(await guard.checkBasic('1.2.3.4', 'bob@example.test', 'y')).toMatchObject({ status: 429 });
    clock += 10_000;
    expect(await guard.checkBasic('1.2.3.4', 'bob@example.test', 'z')).toMatchObject({ status: 401 });
    await pool.close();
    db.close();
  });

  it('an unknown user costs one scrypt, like a known one', async () => {
    const db = openDatabase(join(dataDir, 'guard2.sqlite'));
    seedDemoAccounts(db);
    const real = createHashPool({ size: 1 });
    let calls = 0;
    const counting = { ...real, scrypt: (...args: Parameters<typeof real.scrypt>) => (calls++, real.scrypt(...args)) };
    const guard = createAuthGuard({ db, pool: counting, now: () => 0 });
    await guard.checkBasic('1.2.3.4', 'nobody@example.test', 'x');
    await guard.checkBasic('1.2.3.4', 'bob@example.test', 'x');
    expect(calls).toBe(2);
    await real.close();
    db.close();
  });
});
