import { describe, expect, it } from 'vitest';
import { createKeyLookup } from '../discovery/key-lookup';
import { sessionUrlCandidates } from '../jmap/session';
import { insecureUrlReason, isLoopbackHost } from './loopback';

describe('plain http only for this machine', () => {
  it.each(['localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'app.localhost'])('%s is loopback', (host) =>
    expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['example.org', '10.0.0.1', '192.168.1.1', '128.0.0.1', 'localhost.example.org', '[::2]'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );

  it('the JMAP server: http elsewhere is refused with a clear error', () => {
    expect(() => sessionUrlCandidates('http://mail.example.org/.well-known/jmap')).toThrow(
      expect.objectContaining({ code: 'jmap/unreachable', detail: expect.stringContaining('use https://') }),
    );
    expect(() => sessionUrlCandidates('http://127.0.0.1:8080/.well-known/jmap')).not.toThrow();
    expect(insecureUrlReason(new URL('https://mail.example.org/'))).toBeNull();
  });

  it('the key server: http elsewhere is never asked (the look-up says why)', async () => {
    const asked: string[] = [];
    const lookUp = createKeyLookup({
      fetch: async (input) => (asked.push(String(input)), new Response(null, { status: 404 })),
      crypto: { keysForAddress: async () => ({ keys: [], rejected: [] }) },
    });
    const result = await lookUp('bob@example.org', {
      useWkd: false,
      keyServer: 'http://keys.example.org',
      wkdMode: 'browser',
      proxyBase: null,
    });
    expect(asked).toEqual([]);
    expect(result).toMatchObject({ status: 'error', failures: [{ source: 'vks', reason: 'insecure' }] });
  });
});
