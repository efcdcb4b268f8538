import { MessageChannel } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../errors/app-error';
import { methodNames } from './api-shape';
import { createWorkerConnection } from './client';
import { toEnvelopeApi } from './rpc';

type Api = { double(n: number): Promise<number> };
const METHODS = methodNames<Api>({ double: true });

const ports: MessageChannel[] = [];
afterEach(() => ports.splice(0).forEach(({ port1, port2 }) => (port1.close(), port2.close())));

/** A worker stand-in: a real MessagePort pair, the page's end watched for messages sent. */
function fakeWorker() {
  const channel = new MessageChannel();
  ports.push(channel);
  expose({ test: toEnvelopeApi<Api>({ double: async (n) => n * 2 }) }, nodeEndpoint(channel.port1));
  const page = nodeEndpoint(channel.port2);
  const postMessage = vi.spyOn(page, 'postMessage');
  return { worker: page as unknown as Worker, postMessage };
}

describe('the worker connection', () => {
  it('starts the worker on the first call; once connected, a call posts its message in the same turn', async () => {
    const { worker, postMessage } = fakeWorker();
    const start = vi.fn(() => worker);
    const api = createWorkerConnection(start).api<Api>('test', METHODS);
    expect(start).not.toHaveBeenCalled();
    expect(await api.double(2)).toBe(4);
    expect(start).toHaveBeenCalledOnce();
    // A look-up started from an input event must reach the worker before the page renders.
    const sent = postMessage.mock.calls.length;
    const pending = api.double(21);
    expect(postMessage.mock.calls.length).toBe(sent + 1);
    expect(await pending).toBe(42);
  });

  it('a second API of the same connection posts in the same turn once the worker is up', async () => {
    const { worker, postMessage } = fakeWorker();
    const connection = createWorkerConnection(() => worker);
    expect(await connection.api<Api>('test', METHODS).double(1)).toBe(2);
    const second = connection.api<Api>('test', METHODS);
    const sent = postMessage.mock.calls.length;
    const pending = second.double(5);
    expect(postMessage.mock.calls.length).toBe(sent + 1);
    expect(await pending).toBe(10);
  });

  it('a worker that fails to start is reported as such, and tried again on the next call', async () => {
    const { worker } = fakeWorker();
    let fail = true;
    const api = createWorkerConnection(() => {
      if (fail) throw new Error('no workers here');
      return worker;
    }).api<Api>('test', METHODS);
    const error = await api.double(1).catch((e: unknown) => e);
    expect(isAppError(error, 'crypto/unavailable')).toBe(true);
    fail = false;
    expect(await api.double(3)).toBe(6);
  });
});
