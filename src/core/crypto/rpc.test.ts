import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error';
import { methodNames } from './api-shape';
import { fromEnvelopeApi, toEnvelopeApi, type EnvelopeApi } from './rpc';

type Api = { ok(n: number): Promise<number>; fail(): Promise<void> };

describe('worker RPC envelopes', () => {
  it('method lists name every method of the API, checked by the compiler', () => {
    type Two = { a(): Promise<void>; b(): Promise<void> };
    expect(methodNames<Two>({ a: true, b: true })).toEqual(['a', 'b']);
    // @ts-expect-error a forgotten method does not compile
    methodNames<Two>({ a: true });
    // @ts-expect-error nor does one the API does not have
    methodNames<Two>({ a: true, b: true, c: true });
  });

  it('carry values and rebuild AppErrors with code and detail across a real MessagePort', async () => {
    const { port1, port2 } = new MessageChannel();
    const impl: Api = {
      ok: async (n) => n * 2,
      fail: async () => {
        throw new AppError('jmap/import-failed', 'dev message', {
          detail: 'people words',
          httpStatus: 200,
          jmapErrorType: 'blobNotFound',
        });
      },
    };
    expose(toEnvelopeApi(impl), nodeEndpoint(port1));
    const client = fromEnvelopeApi<Api>(wrap(nodeEndpoint(port2)) as unknown as EnvelopeApi<Api>, ['ok', 'fail']);
    expect(await client.ok(21)).toBe(42);
    const error = await client.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    // The fields callers decide on survive the boundary (deliver.ts re-uploads on blobNotFound).
    expect(error).toMatchObject({
      code: 'jmap/import-failed',
      message: 'dev message',
      detail: 'people words',
      httpStatus: 200,
      jmapErrorType: 'blobNotFound',
    });
    port1.close();
    port2.close();
  });

  it('move byte arrays named for transfer instead of copying them, both ways', async () => {
    type Bytes = { echo(data: { bytes: Uint8Array }): Promise<{ bytes: Uint8Array }> };
    const { port1, port2 } = new MessageChannel();
    let returned: Uint8Array | undefined;
    const impl: Bytes = { echo: async ({ bytes }) => ({ bytes: (returned = bytes.map((b) => b + 1)) }) };
    expose(toEnvelopeApi(impl, { echo: (r) => [r.bytes.buffer as ArrayBuffer] }), nodeEndpoint(port1));
    const client = fromEnvelopeApi<Bytes>(wrap(nodeEndpoint(port2)) as unknown as EnvelopeApi<Bytes>, ['echo'], {
      echo: (d) => [d.bytes.buffer as ArrayBuffer],
    });
    const sent = new Uint8Array(1 << 20).fill(7);
    const { bytes } = await client.echo({ bytes: sent });
    expect(bytes.length).toBe(1 << 20);
    expect(bytes[0]).toBe(8);
    expect(sent.byteLength).toBe(0); // moved to the other side
    expect(returned!.byteLength).toBe(0); // and the answer moved back
    port1.close();
    port2.close();
  });
});
