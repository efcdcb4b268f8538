import { AppError } from '../errors/app-error';
import { authorizationHeader, type JmapAuth } from './auth';
import { CAPABILITY, type CoreCapability, type Id, type JmapSessionResource } from './types';
import { insecureUrlReason } from '../net/loopback';

export type FetchFn = typeof fetch;

/** A session resource with its URLs resolved and the account chosen: what the rest of the app works with. */
export type JmapSession = {
  /** The URL the session resource was finally loaded from (after redirects). */
  sessionUrl: string;
  accountId: Id;
  accountName: string;
  username: string;
  apiUrl: string;
  uploadUrl: string;
  downloadUrl: string;
  /** The push template (RFC 8620 §7.3), or null when the server offers none. */
  eventSourceUrl: string | null;
  state: string;
  core: CoreCapability;
  /** RFC 8621 §1.3.1 mail account capability (may be partial on some servers). */
  mail: Record<string, unknown>;
  /** RFC 8621 §1.3.2 submission account capability. */
  submission: { maxDelayedSend?: number; submissionExtensions?: Record<string, string[]> };
};

const WELL_KNOWN = '/.well-known/jmap';

/**
 * The URLs to try for what the user typed: a session URL is used as is; a bare origin or
 * base URL gets `/.well-known/jmap` (RFC 8620 §2.2).
 */
export function sessionUrlCandidates(input: string): string[] {
  const trimmed = input.trim();
  if (!trimmed) throw new AppError('jmap/unreachable', 'No server URL given', { detail: 'Enter the server address.' });
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch (cause) {
    throw new AppError('jmap/unreachable', `Not a URL: ${trimmed}`, {
      cause,
      detail: `"${trimmed}" is not a valid URL.`,
    });
  }
  const insecure = insecureUrlReason(url);
  if (insecure) {
    throw new AppError('jmap/unreachable', `Refused ${url.protocol} URL ${url.host}`, { detail: insecure });
  }
  // Browsers percent-encode odd characters into host names instead of refusing them.
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname)) {
    throw new AppError('jmap/unreachable', `Bad host in ${trimmed}`, { detail: `"${trimmed}" is not a valid URL.` });
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return [new URL(WELL_KNOWN, url).href];
  if (path.endsWith(WELL_KNOWN)) return [url.href];
  // Some other path: it may be a session URL (Cyrus serves /jmap/) or a base path.
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`;
  const candidates = [url.href, new URL(`.${WELL_KNOWN}`, base).href, new URL(WELL_KNOWN, url).href];
  return [...new Set(candidates)];
}

/** Fill an RFC 6570 level-1 template, percent-encoding every value (types contain `/`). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    name in values ? encodeURIComponent(values[name] ?? '') : whole,
  );
}

/** Resolve a (possibly relative) session URL. Templates are resolved after filling (RFC 8620 §2: URLs are resolved against the session URL). */
export const resolveAgainst = (url: string, base: string): string => new URL(url, base).href;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSessionResource(body: unknown): JmapSessionResource | null {
  if (!isRecord(body)) return null;
  const { capabilities, accounts, primaryAccounts, apiUrl, uploadUrl, downloadUrl } = body;
  if (!isRecord(capabilities) || !isRecord(accounts) || !isRecord(primaryAccounts)) return null;
  if (typeof apiUrl !== 'string' || typeof uploadUrl !== 'string' || typeof downloadUrl !== 'string') return null;
  if (!(CAPABILITY.core in capabilities)) return null;
  return body as unknown as JmapSessionResource;
}

/**
 * Pick the account to send from (RFC 8620 §2: primaryAccounts): the primary mail account if it also has
 * submission, else any account with both; refuse read-only accounts.
 */
export function chooseAccount(resource: JmapSessionResource): { id: Id; name: string } {
  const hasBoth = (id: Id) => {
    const caps = resource.accounts[id]?.accountCapabilities ?? {};
    return CAPABILITY.mail in caps && CAPABILITY.submission in caps;
  };
  const preferred = [
    resource.primaryAccounts[CAPABILITY.mail],
    resource.primaryAccounts[CAPABILITY.submission],
    ...Object.keys(resource.accounts),
  ].filter((id): id is Id => typeof id === 'string' && id in resource.accounts);
  const id = preferred.find(hasBoth);
  if (!id) {
    throw new AppError('jmap/no-account', 'No account has both mail and submission capabilities', {
      detail: 'No account on this server offers both mail and mail submission.',
    });
  }
  const account = resource.accounts[id]!;
  if (account.isReadOnly) throw new AppError('jmap/read-only-account', `Account ${id} is read-only`);
  return { id, name: account.name };
}

async function fetchSessionResource(url: string, auth: JmapAuth, fetchFn: FetchFn, signal?: AbortSignal) {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'GET',
      headers: { Authorization: authorizationHeader(auth), Accept: 'application/json' },
      credentials: 'omit',
      redirect: 'follow',
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new AppError('jmap/unreachable', `Fetching ${url} failed`, { cause });
  }
  if (response.status === 401) throw new AppError('jmap/unauthorized', `${url} answered 401`);
  if (response.status === 403) throw new AppError('jmap/forbidden', `${url} answered 403`);
  let body: unknown = null;
  if (response.ok) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  return { response, resource: parseSessionResource(body) };
}

/**
 * Load the JMAP session (RFC 8620 §2): follows redirects, resolves relative URLs against the
 * final URL, checks capabilities and picks the account.
 */
export async function discoverSession(options: {
  serverUrl: string;
  auth: JmapAuth;
  fetch: FetchFn;
  signal?: AbortSignal;
}): Promise<JmapSession> {
  const candidates = sessionUrlCandidates(options.serverUrl);
  let lastStatus = 0;
  for (const candidate of candidates) {
    const { response, resource } = await fetchSessionResource(candidate, options.auth, options.fetch, options.signal);
    lastStatus = response.status;
    if (!resource) continue;
    const base = response.url || candidate;
    for (const cap of [CAPABILITY.mail, CAPABILITY.submission]) {
      if (!(cap in resource.capabilities)) {
        throw new AppError('jmap/missing-capability', `Session lacks ${cap}`, {
          detail: `Missing capability: ${cap}.`,
        });
      }
    }
    const account = chooseAccount(resource);
    const caps = resource.accounts[account.id]!.accountCapabilities;
    return {
      sessionUrl: base,
      accountId: account.id,
      accountName: account.name,
      username: resource.username,
      // Templates stay unresolved here: `{` and `}` would be percent-encoded by URL().
      apiUrl: resolveAgainst(resource.apiUrl, base),
      uploadUrl: resource.uploadUrl,
      downloadUrl: resource.downloadUrl,
      eventSourceUrl: typeof resource.eventSourceUrl === 'string' ? resource.eventSourceUrl : null,
      state: resource.state,
      core: resource.capabilities[CAPABILITY.core] as CoreCapability,
      mail: (caps[CAPABILITY.mail] ?? {}) as Record<string, unknown>,
      submission: (caps[CAPABILITY.submission] ?? {}) as JmapSession['submission'],
    };
  }
  throw new AppError('jmap/not-jmap', `No JMAP session at ${candidates.join(', ')} (last HTTP ${lastStatus})`);
}

/** Fill a session URL template and resolve it against the session URL. */
export function sessionTemplateUrl(session: JmapSession, template: string, values: Record<string, string>): string {
  return resolveAgainst(fillTemplate(template, values), session.sessionUrl);
}
