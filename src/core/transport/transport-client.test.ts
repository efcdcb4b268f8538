import { describe, expect, it } from 'vitest';
import { createTransportClient } from './transport-client';

function companion(lines: (domains: string[]) => string[]) {
  const requests: string[][] = [];
  const fetchFn = (async (input: RequestInfo | URL) => {
    const domains = new URL(String(input)).searchParams.getAll('domain');
    requests.push(domains);
    return new Response(lines([...new Set(domains)]).join('\n'), {
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
  }) as typeof fetch;
  return { fetchFn, requests };
}

describe('transport client', () => {
  it('asks for domains of one task in one request (50 at most), each answered by its line', async () => {
    const { fetchFn, requests } = companion((ds) =>
      ds.map((d) => JSON.stringify({ asked: d, status: d.startsWith('a') ? 'dane' : 'opportunistic', detail: 'x' })),
    );
    const client = createTransportClient({ fetch: fetchFn, url: 'https://app.example/api/transport' });
    const domains = Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'a' : 'b'}${i}.example`);
    const views = await Promise.all(domains.map((d) => client.statusOf(d)));
    expect(requests.map((r) => new Set(r).size)).toEqual([50, 10]);
    expect(views.map((v) => v.status)).toEqual(domains.map((d) => (d.startsWith('a') ? 'dane' : 'opportunistic')));
    // One domain alone is asked in the batch form too.
    await client.statusOf('solo.example');
    expect(requests.at(-1)).toEqual(['solo.example', 'solo.example']);
  });

  it('a domain the companion does not answer, a broken answer, or no companion: unknown, with the reason', async () => {
    const partial = companion(() => [
      JSON.stringify({ asked: 'ok.example', status: 'mta-sts', detail: '' }),
      '{broken',
      JSON.stringify({ asked: 'odd.example', status: 'secure!' }),
    ]);
    const client = createTransportClient({ fetch: partial.fetchFn, url: 'https://app.example/api/transport' });
    const [ok, missing, odd] = await Promise.all(
      ['ok.example', 'missing.example', 'odd.example'].map((d) => client.statusOf(d)),
    );
    expect(ok!.status).toBe('mta-sts');
    expect(missing).toMatchObject({ status: 'unknown', detail: /did not answer/ });
    expect(odd).toMatchObject({ status: 'unknown', detail: /no usable answer/ });
    const failing = createTransportClient({
      fetch: (async () => new Response('', { status: 500 })) as typeof fetch,
      url: 'https://app.example/api/transport',
    });
    expect(await failing.statusOf('x.example')).toMatchObject({ status: 'unknown', detail: /HTTP 500/ });
    expect(await createTransportClient({ fetch, url: null }).statusOf('x.example')).toMatchObject({
      status: 'unknown',
      detail: /No companion server/,
    });
  });
});
