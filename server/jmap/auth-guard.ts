import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type AccountRow, findAccountByUsername } from './accounts';
import type { Db } from './db';
import { type HashPool, PoolBusy } from './hash-pool';

/** Failed sign-ins allowed per client address and user name within the window (README: AUTH_FAIL_LIMIT). */
export type AuthGuardLimits = { failLimit: number; failWindowMs: number; cacheMs: number };

export const DEFAULT_AUTH_LIMITS: AuthGuardLimits = { failLimit: 10, failWindowMs: 60_000, cacheMs: 60_000 };

export type AuthOutcome =
  | { ok: true; account: AccountRow }
  | { ok: false; status: 401 }
  | { ok: false; status: 429 | 503; retryAfterSeconds: number };

/** Client/user pairs tracked at most; the oldest are forgotten first (a flood of names cannot grow it without bound). */
const MAX_TRACKED = 50_000;
const forgetOldest = (map: Map<string, unknown>) => {
  for (const key of [...map.keys()].slice(0, map.size - MAX_TRACKED / 2)) map.delete(key);
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Password checks that neither block the event loop nor invite guessing: scrypt in a pool of its
 * own; credentials that verified are remembered briefly (by a hash of them), so a signed-in client
 * costs no scrypt per request; failures are counted per client address and user name, and past the
 * limit that pair gets one check per interval, the rest 429 with Retry-After. Credentials that
 * verified are never refused, and other users behind the same address (every test, a household)
 * are not affected. Unknown users cost one scrypt,
 * like known ones, so timing does not tell which names exist.
 */
export function createAuthGuard(options: {
  db: Db;
  pool: HashPool;
  limits?: Partial<AuthGuardLimits>;
  now?: () => number;
}) {
  const limits = { ...DEFAULT_AUTH_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const verified = new Map<string, { username: string; until: number }>();
  const failures = new Map<string, number[]>();
  const slowLane = new Map<string, number>();
  // An unknown user is checked against this, so the answer takes as long as for a known one.
  const decoy = `scrypt$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;

  const recentFailures = (key: string) => {
    const since = now() - limits.failWindowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };

  async function matches(password: string, stored: string): Promise<boolean> {
    const [scheme, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = await options.pool.scrypt(password, Buffer.from(salt, 'base64'), expected.length);
    return timingSafeEqual(actual, expected);
  }

  return {
    async checkBasic(clientAddress: string, username: string, password: string): Promise<AuthOutcome> {
      const credential = sha256(`${username}\0${password}`);
      const cached = verified.get(credential);
      if (cached && cached.until > now()) {
        const account = findAccountByUsername(options.db, cached.username);
        if (account) return { ok: true, account };
      }
      const pair = `${clientAddress}\0${username.toLowerCase()}`;
      const recent = recentFailures(pair);
      if (recent.length >= limits.failLimit) {
        // Past the limit one check per interval still runs, so the account's owner (who may share
        // the address with whoever failed) gets in with the right password, while guessing slows
        // to a trickle.
        const interval = limits.failWindowMs / limits.failLimit;
        const last = slowLane.get(pair);
        if (last !== undefined && now() - last < interval) {
          return {
            ok: false,
            status: 429,
            retryAfterSeconds: Math.max(1, Math.ceil((last + interval - now()) / 1000)),
          };
        }
        slowLane.set(pair, now());
        if (slowLane.size > MAX_TRACKED) forgetOldest(slowLane);
      }
      const account = findAccountByUsername(options.db, username);
      let ok: boolean;
      try {
        ok = await matches(password, account?.password_hash ?? decoy);
      } catch (e) {
        if (e instanceof PoolBusy) return { ok: false, status: 503, retryAfterSeconds: 1 };
        throw e;
      }
      if (ok && account) {
        verified.set(credential, { username: account.username, until: now() + limits.cacheMs });
        if (verified.size > MAX_TRACKED) forgetOldest(verified);
        return { ok: true, account };
      }
      failures.set(pair, [...recent, now()]);
      if (failures.size > MAX_TRACKED) forgetOldest(failures);
      return { ok: false, status: 401 };
    },
  };
}

export type AuthGuard = ReturnType<typeof createAuthGuard>;
