import { Resolver } from 'node:dns/promises';

export type Resolved =
  { kind: 'address'; ip: string; port: number } | { kind: 'none' } | { kind: 'error'; detail: string };

/** One DNS question waits at most this long (c-ares retries within it); the whole resolution too. */
export const DNS_TIMEOUT_MS = 2000;
const DNS_TRIES = 2;

/**
 * A resolver with a deadline. Node's `dns.lookup` (getaddrinfo) has no timeout and runs in libuv's
 * four-thread pool, so four hanging look-ups stall file reads for every client; `dns.Resolver`
 * (c-ares) runs on the event loop's own sockets with a timeout per try. `server` (host:port, the
 * WKD_PROXY_RESOLVER setting) names the name server; by default the system's.
 */
export function createDeadlineResolver(server: string | null) {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS / DNS_TRIES, tries: DNS_TRIES });
  if (server) resolver.setServers([server]);
  const ask = (family: 4 | 6, host: string): Promise<string[] | 'none'> =>
    (family === 4 ? resolver.resolve4(host) : resolver.resolve6(host)).catch((e: { code?: string }) => {
      // NXDOMAIN and NODATA both mean "no address" (draft-koch-openpgp-webkey-service §3.1).
      if (e.code === 'ENOTFOUND' || e.code === 'ENODATA') return 'none' as const;
      throw e;
    });
  return async (host: string): Promise<Resolved> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<Resolved>((ok) => {
      timer = setTimeout(
        () => ok({ kind: 'error', detail: `DNS look-up of ${host} gave no answer within ${DNS_TIMEOUT_MS / 1000} s.` }),
        DNS_TIMEOUT_MS + 250,
      );
    });
    const answer = Promise.all([ask(4, host), ask(6, host)]).then(
      ([v4, v6]): Resolved => {
        const first = v4 !== 'none' && v4[0] ? v4[0] : v6 !== 'none' && v6[0] ? v6[0] : null;
        return first ? { kind: 'address', ip: first, port: 443 } : { kind: 'none' };
      },
      (e: { code?: string }): Resolved => ({
        kind: 'error',
        detail: `DNS look-up of ${host} failed (${e.code ?? 'error'}).`,
      }),
    );
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}
