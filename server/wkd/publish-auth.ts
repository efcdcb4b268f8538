import { createHash } from 'node:crypto';
import { asciiLower } from '../../src/core/mime/addresses';

/** Who the caller is, as the JMAP server says: the exact addresses of the account's identities. */
export type Caller = { addresses: Set<string>; wildcardDomains: Set<string> };

export type AuthOutcome = { ok: true; caller: Caller } | { ok: false; status: 401 | 502; reason: string };

/** How long a verified credential's identities are reused (the JMAP server is not asked on every request). */
const CACHE_MS = 60_000;
const TIMEOUT_MS = 10_000;
const SUBMISSION = 'urn:ietf:params:jmap:submission';

type Session = { apiUrl?: unknown; primaryAccounts?: Record<string, unknown> };
type IdentityGet = { methodResponses?: [string, { list?: { email?: unknown }[] }, string][] };

/**
 * Checks a caller's own JMAP credentials against the JMAP server the operator configured (never
 * one the client names) and reads the account's identities (RFC 8621 §6, `Identity/get`).
 * Security: the Authorization header is passed on unchanged and never logged or stored; only a
 * hash of it keys the short cache of verified callers.
 */
export function createPublishAuth(options: {
  sessionUrl: string;
  allowWildcard: boolean;
  fetch?: typeof fetch;
  now?: () => number;
}) {
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { caller: Caller; until: number }>();

  // Redirects are followed (Cyrus answers /.well-known/jmap with one); fetch drops Authorization
  // when a redirect leaves the origin, so the credentials reach only the configured server.
  async function ask(authorization: string): Promise<AuthOutcome> {
    const headers = { Authorization: authorization, Accept: 'application/json' };
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    let session: Session;
    try {
      const response = await fetchFn(options.sessionUrl, { headers, signal });
      if (response.status === 401 || response.status === 403)
        return { ok: false, status: 401, reason: 'The mail server refused these credentials.' };
      if (!response.ok)
        return {
          ok: false,
          status: 502,
          reason: `The mail server's session resource answered HTTP ${response.status}.`,
        };
      session = (await response.json()) as Session;
    } catch {
      return { ok: false, status: 502, reason: 'The mail server could not be asked who you are.' };
    }
    const accountId = session.primaryAccounts?.[SUBMISSION];
    if (typeof session.apiUrl !== 'string' || typeof accountId !== 'string') {
      return { ok: false, status: 502, reason: 'The mail server names no account that sends mail.' };
    }
    let identities: { email?: unknown }[];
    try {
      const response = await fetchFn(new URL(session.apiUrl, options.sessionUrl), {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          using: ['urn:ietf:params:jmap:core', SUBMISSION],
          methodCalls: [['Identity/get', { accountId }, 'i']],
        }),
        signal,
      });
      if (response.status === 401 || response.status === 403)
        return { ok: false, status: 401, reason: 'The mail server refused these credentials.' };
      const body = (await response.json()) as IdentityGet;
      const answer = body.methodResponses?.find(([name, , id]) => name === 'Identity/get' && id === 'i');
      if (!answer) return { ok: false, status: 502, reason: 'The mail server did not list the account’s identities.' };
      identities = answer[1].list ?? [];
    } catch {
      return { ok: false, status: 502, reason: 'The mail server could not list the account’s identities.' };
    }
    const caller: Caller = { addresses: new Set(), wildcardDomains: new Set() };
    for (const { email } of identities) {
      if (typeof email !== 'string') continue;
      const address = asciiLower(email.trim());
      // RFC 8621 §6: `*@domain` lets the account send as anyone there. On a catch-all domain that
      // must not let one user publish keys for other people's addresses, unless the operator says so.
      if (address.startsWith('*@')) caller.wildcardDomains.add(address.slice(2));
      else caller.addresses.add(address);
    }
    return { ok: true, caller };
  }

  return {
    async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
      if (!authorization || !/^(Basic|Bearer) \S+$/.test(authorization)) {
        return {
          ok: false,
          status: 401,
          reason: 'Send your mail account credentials (Authorization: Basic or Bearer).',
        };
      }
      const key = createHash('sha256').update(authorization).digest('hex');
      const cached = cache.get(key);
      if (cached && cached.until > now()) return { ok: true, caller: cached.caller };
      const outcome = await ask(authorization);
      if (outcome.ok) cache.set(key, { caller: outcome.caller, until: now() + CACHE_MS });
      return outcome;
    },

    /** Whether the caller may publish for `address`: one of its identities (or, if the operator allows, under a wildcard one). */
    owns(caller: Caller, address: string): boolean {
      const wanted = asciiLower(address);
      if (caller.addresses.has(wanted)) return true;
      return options.allowWildcard && caller.wildcardDomains.has(wanted.slice(wanted.lastIndexOf('@') + 1));
    },
  };
}

export type PublishAuth = ReturnType<typeof createPublishAuth>;
