import { AppError } from '../errors/app-error';

/** What the companion's directory serves for one address (server/wkd/publish-api.ts). */
export type DirectoryState =
  | { status: 'published' | 'revoked'; fingerprint: string | null }
  | { status: 'not-published' }
  /** The companion does not publish for this account (its JMAP server does not know these credentials). */
  | { status: 'unavailable'; reason: string };

/** The key server's answer to an upload or a verification request (Hagrid's `/vks/v1/upload`). */
export type VksUpload = {
  token: string;
  key_fpr: string;
  status: Record<string, 'unpublished' | 'published' | 'revoked' | 'pending'>;
};

/** One look-up answer of the companion's public-route check, as its batch line (key bytes in base64). */
export type PublicCheckLine = { outcome?: string; key?: string; url?: string; detail?: string };

const TIMEOUT_MS = 15_000;

/**
 * The companion's publishing endpoints, called with the user's own JMAP credentials (the companion
 * checks them with its JMAP server). Refusals throw AppError `publish/refused` with the server's
 * words as detail and its HTTP status.
 */
export function createPublishingClient(options: { fetch: typeof fetch; base: string; authorization: () => string }) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let response: Response;
    try {
      response = await options.fetch(new URL(path, options.base), {
        method,
        headers: {
          Authorization: options.authorization(),
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (cause) {
      throw new AppError('publish/unreachable', `${method} ${path}: network error`, { cause });
    }
    let json: Record<string, unknown>;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.status, json };
  }

  const refused = (what: string, status: number, json: Record<string, unknown>) =>
    new AppError('publish/refused', `${what}: HTTP ${status}`, {
      httpStatus: status,
      detail: typeof json.error === 'string' ? json.error : `The server answered HTTP ${status}.`,
    });

  return {
    async state(address: string): Promise<DirectoryState> {
      const { status, json } = await call('GET', `/api/wkd/status?address=${encodeURIComponent(address)}`);
      if (status === 401)
        return {
          status: 'unavailable',
          reason: typeof json.error === 'string' ? json.error : 'Not signed in at the publishing server.',
        };
      if (status !== 200) throw refused('Publication status', status, json);
      if (json.status === 'published' || json.status === 'revoked') {
        return { status: json.status, fingerprint: typeof json.fingerprint === 'string' ? json.fingerprint : null };
      }
      return { status: 'not-published' };
    },

    async publish(address: string, armoredPublic: string): Promise<'published' | 'revoked'> {
      const { status, json } = await call('POST', '/api/wkd/publish', { key: armoredPublic, addresses: [address] });
      const published = Array.isArray(json.published) ? (json.published as { status?: string }[]) : [];
      if (status !== 200 || published.length === 0) throw refused('Publishing', status, json);
      return published[0]!.status === 'revoked' ? 'revoked' : 'published';
    },

    async withdraw(address: string): Promise<void> {
      const { status, json } = await call('DELETE', `/api/wkd/publish/${encodeURIComponent(address)}`);
      if (status !== 200) throw refused('Withdrawing', status, json);
    },

    async checkPublic(address: string): Promise<PublicCheckLine> {
      const { status, json } = await call('GET', `/api/wkd/check-public?address=${encodeURIComponent(address)}`);
      if (status !== 200) throw refused('Checking the public route', status, json);
      return json as PublicCheckLine;
    },

    async uploadToKeyServer(armoredPublic: string): Promise<VksUpload> {
      const { status, json } = await call('POST', '/api/vks/upload', { keytext: armoredPublic });
      if (status !== 200 || typeof json.token !== 'string') throw refused('Key server upload', status, json);
      return json as unknown as VksUpload;
    },

    async requestVerification(token: string, addresses: string[]): Promise<VksUpload> {
      const { status, json } = await call('POST', '/api/vks/request-verify', { token, addresses });
      if (status !== 200) throw refused('Verification request', status, json);
      return json as unknown as VksUpload;
    },
  };
}
