/**
 * The optional companion server (`server/`) that `npm start` runs next to the app. A plain static
 * host answers unknown paths with index.html, so anything but our JSON means "no companion".
 */
export type CompanionConfig = {
  jmapSessionUrl: string;
  /** The WKD lookup proxy, when the companion offers one. */
  wkdProxyUrl: string | null;
  /** The transport status of recipient domains (`/api/transport`), when the companion offers it. */
  transportUrl: string | null;
  signInDefaults: { username: string; password: string } | null;
  /** Domains whose web key directory the companion is; empty when it publishes nothing. */
  wkdDomains: string[];
  /** The JMAP session resource publishing credentials are checked against (absolute). */
  publishSessionUrl: string | null;
  /** The key server uploads are relayed to. */
  keyServerUrl: string | null;
};

export async function loadCompanionConfig(
  fetchFn: typeof fetch,
  origin: string,
  signal?: AbortSignal,
): Promise<CompanionConfig | null> {
  try {
    // A slow or silent host must not keep the sign-in form away for long.
    const timeout = AbortSignal.timeout(3000);
    const res = await fetchFn(new URL('/api/companion', origin), {
      credentials: 'omit',
      cache: 'no-store',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return null;
    const body = (await res.json()) as {
      companion?: unknown;
      jmapSessionPath?: unknown;
      signInDefaults?: unknown;
      wkdProxyPath?: unknown;
      transportPath?: unknown;
      wkdDomains?: unknown;
      publishSessionUrl?: unknown;
      keyServerUrl?: unknown;
    };
    if (body.companion !== 'pgp-composer' || typeof body.jmapSessionPath !== 'string') return null;
    const d = body.signInDefaults as { username?: unknown; password?: unknown } | null | undefined;
    return {
      jmapSessionUrl: new URL(body.jmapSessionPath, origin).href,
      wkdProxyUrl: typeof body.wkdProxyPath === 'string' ? new URL(body.wkdProxyPath, origin).href : null,
      transportUrl: typeof body.transportPath === 'string' ? new URL(body.transportPath, origin).href : null,
      signInDefaults:
        d && typeof d.username === 'string' && typeof d.password === 'string'
          ? { username: d.username, password: d.password }
          : null,
      wkdDomains: Array.isArray(body.wkdDomains)
        ? body.wkdDomains.filter((d): d is string => typeof d === 'string').map((d) => d.toLowerCase())
        : [],
      publishSessionUrl:
        typeof body.publishSessionUrl === 'string' ? new URL(body.publishSessionUrl, origin).href : null,
      keyServerUrl:
        typeof body.keyServerUrl === 'string' && /^https?:\/\//.test(body.keyServerUrl) ? body.keyServerUrl : null,
    };
  } catch {
    return null;
  }
}
