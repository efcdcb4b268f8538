import { describe, expect, it } from 'vitest';
import { createJmapClient, getMethodResponse } from './client';
import { discoverSession, fillTemplate, sessionTemplateUrl, sessionUrlCandidates } from './session';
import { CAPABILITY } from './types';

const auth = { kind: 'basic' as const, username: 'alice@example.org', password: 'pässword' };

/** A Cyrus-like session: relative URLs, account id = user name. */
const cyrusSession = (overrides: Record<string, unknown> = {}) => ({
  capabilities: { [CAPABILITY.core]: { maxSizeUpload: 1000 }, [CAPABILITY.mail]: {}, [CAPABILITY.submission]: {} },
  accounts: {
    'alice@example.org': {
      name: 'alice@example.org',
      isPersonal: true,
      isReadOnly: false,
      accountCapabilities: { [CAPABILITY.mail]: {}, [CAPABILITY.submission]: { maxDelayedSend: 0 } },
    },
  },
  primaryAccounts: {
    [CAPABILITY.mail]: 'alice@example.org',
    [CAPABILITY.submission]: 'alice@example.org',
    'https://cyrusimap.org/ns/jmap/contacts': 'alice@example.org',
  },
  username: 'alice@example.org',
  apiUrl: '/jmap/',
  uploadUrl: '/jmap/upload/{accountId}/',
  downloadUrl: '/jmap/download/{accountId}/{blobId}/{name}?accept={type}',
  eventSourceUrl: '/jmap/eventsource/',
  state: '0',
  ...overrides,
});

type Call = { url: string; init: RequestInit };
function fakeFetch(routes: Record<string, (call: Call) => Response>) {
  const calls: Call[] = [];
  const fn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const route = routes[url];
    if (!route) throw new TypeError('Failed to fetch');
    const response = route({ url, init });
    Object.defineProperty(response, 'url', { value: response.headers.get('x-final-url') ?? url });
    return response;
  }) as typeof fetch;
  return { fn, calls };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('sessionUrlCandidates', () => {
  it('uses session URLs as given and adds /.well-known/jmap to bare origins', () => {
    expect(sessionUrlCandidates('https://mail.example.org/.well-known/jmap')).toEqual([
      'https://mail.example.org/.well-known/jmap',
    ]);
    expect(sessionUrlCandidates('mail.example.org')).toEqual(['https://mail.example.org/.well-known/jmap']);
    expect(sessionUrlCandidates('http://127.0.0.1:8080/')).toEqual(['http://127.0.0.1:8080/.well-known/jmap']);
    expect(sessionUrlCandidates('https://x.org/jmap/')).toEqual([
      'https://x.org/jmap/',
      'https://x.org/jmap/.well-known/jmap',
      'https://x.org/.well-known/jmap',
    ]);
  });
  it.each(['', 'ftp://x.org', 'https://not a url', 'http://exa mple.org/'])('refuses %j', (input) => {
    expect(() => sessionUrlCandidates(input)).toThrow(expect.objectContaining({ code: 'jmap/unreachable' }));
  });
});

describe('fillTemplate', () => {
  it('percent-encodes values, including the slash of a media type', () => {
    expect(
      fillTemplate('/d/{accountId}/{blobId}/{name}?accept={type}', {
        accountId: 'a@b',
        blobId: 'G1',
        name: 'ü x.eml',
        type: 'message/rfc822',
      }),
    ).toBe('/d/a%40b/G1/%C3%BC%20x.eml?accept=message%2Frfc822');
  });
});

describe('discoverSession', () => {
  it('follows a redirect, resolves relative URLs against the final URL and picks the account', async () => {
    const { fn, calls } = fakeFetch({
      'https://mail.example.org/.well-known/jmap': () =>
        json(cyrusSession(), 200, { 'x-final-url': 'https://mail.example.org/jmap' }),
    });
    const s = await discoverSession({ serverUrl: 'mail.example.org', auth, fetch: fn });
    expect(s).toMatchObject({
      accountId: 'alice@example.org',
      apiUrl: 'https://mail.example.org/jmap/',
      sessionUrl: 'https://mail.example.org/jmap',
    });
    expect(sessionTemplateUrl(s, s.uploadUrl, { accountId: s.accountId })).toBe(
      'https://mail.example.org/jmap/upload/alice%40example.org/',
    );
    const header = new Headers(calls[0]!.init.headers).get('authorization')!;
    expect(new TextDecoder().decode(Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0)))).toBe(
      'alice@example.org:pässword',
    );
    expect(calls[0]!.init.credentials).toBe('omit');
  });

  it('maps 401, missing capabilities, read-only accounts and non-JMAP answers to specific errors', async () => {
    const at = (res: () => Response) =>
      discoverSession({
        serverUrl: 'https://x.org/.well-known/jmap',
        auth,
        fetch: fakeFetch({ 'https://x.org/.well-known/jmap': res }).fn,
      });
    await expect(at(() => new Response('no', { status: 401 }))).rejects.toMatchObject({ code: 'jmap/unauthorized' });
    const noSubmission = cyrusSession();
    delete (noSubmission.capabilities as Record<string, unknown>)[CAPABILITY.submission];
    await expect(at(() => json(noSubmission))).rejects.toMatchObject({ code: 'jmap/missing-capability' });
    const readOnly = cyrusSession();
    readOnly.accounts['alice@example.org']!.isReadOnly = true;
    await expect(at(() => json(readOnly))).rejects.toMatchObject({ code: 'jmap/read-only-account' });
    await expect(at(() => new Response('<html>', { headers: { 'Content-Type': 'text/html' } }))).rejects.toMatchObject({
      code: 'jmap/not-jmap',
    });
    await expect(at(() => json({ hello: 1 }))).rejects.toMatchObject({ code: 'jmap/not-jmap' });
    await expect(
      discoverSession({ serverUrl: 'https://down.example/', auth, fetch: fakeFetch({}).fn }),
    ).rejects.toMatchObject({ code: 'jmap/unreachable' });
  });

  it('picks an account that has both mail and submission when the primaries differ', async () => {
    const body = cyrusSession({
      accounts: {
        mailOnly: { name: 'm', isPersonal: true, isReadOnly: false, accountCapabilities: { [CAPABILITY.mail]: {} } },
        both: {
          name: 'b',
          isPersonal: true,
          isReadOnly: false,
          accountCapabilities: { [CAPABILITY.mail]: {}, [CAPABILITY.submission]: {} },
        },
      },
      primaryAccounts: { [CAPABILITY.mail]: 'mailOnly', [CAPABILITY.submission]: 'both' },
    });
    const s = await discoverSession({
      serverUrl: 'https://x.org/.well-known/jmap',
      auth,
      fetch: fakeFetch({ 'https://x.org/.well-known/jmap': () => json(body) }).fn,
    });
    expect(s.accountId).toBe('both');
  });
});

describe('JMAP client errors', () => {
  const session = {
    sessionUrl: 'https://x.org/jmap',
    accountId: 'a',
    accountName: 'a',
    username: 'a',
    apiUrl: 'https://x.org/jmap/',
    uploadUrl: '/up/{accountId}/',
    downloadUrl: '/d/{blobId}',
    eventSourceUrl: null,
    state: '0',
    core: { maxSizeUpload: 10 } as never,
    mail: {},
    submission: {},
  };

  it('keeps request-level problems apart from method-level errors', async () => {
    const problem = fakeFetch({
      'https://x.org/jmap/': () =>
        json({ type: 'urn:ietf:params:jmap:error:notRequest', status: 400, detail: 'bad' }, 400),
    });
    const client = createJmapClient({ session, auth, fetch: problem.fn });
    await expect(client.request({ using: [], methodCalls: [] })).rejects.toMatchObject({
      code: 'jmap/request-failed',
      message: expect.stringMatching(/notRequest/),
    });
    const responses: [string, Record<string, unknown>, string][] = [
      ['EmailSubmission/set', { created: { s: { id: 'S1' } } }, 'c1'],
      ['Email/set', { updated: { M1: null } }, 'c1'],
      ['error', { type: 'forbidden', description: 'no' }, 'c2'],
    ];
    expect(getMethodResponse(responses, 'EmailSubmission/set', 'c1')).toEqual({ created: { s: { id: 'S1' } } });
    expect(getMethodResponse(responses, 'Email/set', 'c1')).toEqual({ updated: { M1: null } });
    expect(() => getMethodResponse(responses, 'Email/get', 'c2')).toThrow(
      expect.objectContaining({ code: 'jmap/method-error', type: 'forbidden' }),
    );
  });

  it('refuses uploads over maxSizeUpload before sending them', async () => {
    const { fn, calls } = fakeFetch({});
    const client = createJmapClient({ session, auth, fetch: fn });
    await expect(client.upload(new Uint8Array(11), 'message/rfc822')).rejects.toMatchObject({ code: 'jmap/too-large' });
    expect(calls).toHaveLength(0);
  });

  it('reports a network drop during upload as an upload failure', async () => {
    const client = createJmapClient({ session, auth, fetch: fakeFetch({}).fn });
    await expect(client.upload(new Uint8Array(3), 'message/rfc822')).rejects.toMatchObject({
      code: 'jmap/upload-failed',
    });
  });
});
