import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error';
import { fromEnvelopeApi, toEnvelopeApi, type EnvelopeApi } from './rpc';

type Api = { ok(n: number): Promise<number>; fail(): Promise<void> };

describe('worker RPC envelopes', () => {
  it('carry values and rebuild AppErrors with code and detail across a real MessagePort', async () => {
    const { port1, port2 } = new MessageChannel();
    const impl: Api = {
      ok: async (n) => n * 2,
      fail: async () => {
        throw new AppError('crypto/bad-passphrase', 'dev message', { detail: 'people words' });
      },
    };
    expose(toEnvelopeApi(impl), nodeEndpoint(port1));
    const client = fromEnvelopeApi<Api>(wrap(nodeEndpoint(port2)) as unknown as EnvelopeApi<Api>, ['ok', 'fail']);
    expect(await client.ok(21)).toBe(42);
    const error = await client.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'crypto/bad-passphrase', message: 'dev message', detail: 'people words' });
    port1.close();
    port2.close();
  });
});
