import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import { fromEnvelopeApi, toEnvelopeApi } from '../crypto/rpc';
import { LOOKUP_WORKER_METHODS, type LookupWorkerApi, workerKeyLookup } from './lookup-worker-api';
import { createLookupWorkerApi } from './lookup-worker';
import type { DiscoverySettings } from './types';
import { wkdLocation } from './wkd-url';

const settings: DiscoverySettings = { useWkd: true, keyServer: '', wkdMode: 'browser', proxyBase: null };

/** The page's side and the worker's side joined through the same envelopes the worker uses. */
function joined(fetchFn: typeof fetch) {
  const worker = toEnvelopeApi<LookupWorkerApi>(createLookupWorkerApi(createCryptoApi(), fetchFn));
  return workerKeyLookup(fromEnvelopeApi<LookupWorkerApi>(worker, LOOKUP_WORKER_METHODS));
}

describe('look-ups in the worker', () => {
  it('returns the judged key across the boundary', async () => {
    const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'erin@example.net' }], format: 'binary' });
    const loc = await wkdLocation('erin@example.net');
    const lookUp = joined((async (input: RequestInfo | URL) => {
      const response =
        String(input) === loc.advanced
          ? new Response(publicKey as Uint8Array<ArrayBuffer>)
          : new Response('', { status: 404 });
      Object.defineProperty(response, 'url', { value: String(input) });
      return response;
    }) as typeof fetch);
    expect(await lookUp('erin@example.net', settings)).toMatchObject({
      status: 'found',
      source: 'wkd',
      url: loc.advanced,
      summary: { userIds: [{ email: 'erin@example.net' }] },
    });
  });

  it('takes the Autocrypt key across the boundary and judges it in the worker', async () => {
    const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'gus@example.net' }], format: 'binary' });
    const lookUp = joined((async (input: RequestInfo | URL) => {
      const response = new Response('', { status: 404 });
      Object.defineProperty(response, 'url', { value: String(input) });
      return response;
    }) as typeof fetch);
    const fingerprint = (await openpgp.readKey({ binaryKey: publicKey })).getFingerprint().toUpperCase();
    const autocrypt = {
      keydata: Buffer.from(publicKey).toString('base64'),
      fingerprint,
      from: 'header' as const,
      seen: '2026-12-01T00:00:00.000Z',
      stale: false,
    };
    expect(await lookUp('gus@example.net', settings, { autocrypt })).toMatchObject({
      status: 'found',
      source: 'autocrypt',
      fingerprint,
      autocrypt: { from: 'header', seen: autocrypt.seen },
    });
  });

  it('the caller’s abort cancels the request running in the worker and ends as an AbortError', async () => {
    const seen: AbortSignal[] = [];
    const lookUp = joined(((_: RequestInfo | URL, init: RequestInit = {}) => {
      seen.push(init.signal!);
      return new Promise((_ok, fail) =>
        init.signal!.addEventListener('abort', () => fail(new DOMException('aborted', 'AbortError'))),
      );
    }) as typeof fetch);
    const controller = new AbortController();
    const pending = lookUp('frank@example.net', settings, { signal: controller.signal });
    await expect.poll(() => seen.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen[0]!.aborted).toBe(true);
    await expect(lookUp('frank@example.net', settings, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(seen).toHaveLength(1);
  });
});
