// @vitest-environment jsdom
import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountSetup } from '@/core/jmap/account-setup';
import type { JmapClient } from '@/core/jmap/client';
import type { Services } from '@/services/services';
import { useSessionStore } from '@/stores/session-store';
import { companionConfig, useAccountSetup } from './account';

afterEach(cleanup);

const identity = (email: string) => ({ id: email, name: '', email });

function signedIn(readAgo: number) {
  const request = vi.fn(async () => ({
    methodResponses: [
      ['Mailbox/get', { list: [{ id: 'D', name: 'Drafts', role: 'drafts' }] }, 'm'],
      ['Identity/get', { list: [identity('alice@example.test'), identity('alias@example.test')] }, 'i'],
    ],
  }));
  const client = { session: { accountId: 'A' }, request } as unknown as JmapClient;
  const setup = { identities: [identity('alice@example.test')], mailboxes: { all: [] } } as unknown as AccountSetup;
  useSessionStore.setState({
    session: { phase: 'signed-in', client, serverUrl: 'http://jmap.test', setup, setupAt: Date.now() - readAgo },
  });
  return request;
}

describe('the account setup', () => {
  it('comes from connecting; a view reads it again when it is over five minutes old, and an alias added meanwhile shows', async () => {
    const fresh = signedIn(60_000);
    const { result, unmount } = renderHook(() => useAccountSetup());
    expect(result.current.identities.map((i) => i.email)).toEqual(['alice@example.test']);
    unmount();
    expect(fresh).not.toHaveBeenCalled();

    const old = signedIn(6 * 60_000);
    const later = renderHook(() => useAccountSetup());
    await waitFor(() => expect(later.result.current.identities).toHaveLength(2));
    expect(later.result.current.mailboxes.drafts?.id).toBe('D');
    expect(old).toHaveBeenCalledTimes(1);
  });
});

describe('the companion config', () => {
  it('is asked once per page; after no answer (none there, or unreachable) it is asked again', async () => {
    let answer: object | null = null;
    const fetch = vi.fn(async () =>
      answer
        ? new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } })
        : new Response('<html>', { headers: { 'content-type': 'text/html' } }),
    );
    const services = { fetch, origin: 'http://app.test' } as unknown as Services;
    expect(await companionConfig(services)).toBeNull();
    answer = { companion: 'pgp-composer', jmapSessionPath: '/.well-known/jmap' };
    const [first, second] = await Promise.all([companionConfig(services), companionConfig(services)]);
    expect(first?.jmapSessionUrl).toBe('http://app.test/.well-known/jmap');
    expect(second).toBe(first);
    expect(await companionConfig(services)).toBe(first);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
