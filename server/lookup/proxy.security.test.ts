import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNonPublicAddress } from './addresses';
import { counterSlots } from '../../src/core/jmap/request-slots';
import { createDeadlineResolver } from './resolve-host';
import { createWkdProxyHandler, lookupWkdForProxy, type WkdProxyConfig } from './wkd-proxy';
import { createServer, type Server } from 'node:http';

/** A name server on loopback that reads every question and never answers. */
let silent: Socket;
let silentAddress: string;
beforeAll(async () => {
  silent = createSocket('udp4');
  await new Promise<void>((ok) => silent.bind(0, '127.0.0.1', ok));
  silentAddress = `127.0.0.1:${silent.address().port}`;
});
afterAll(() => silent.close());

const config = (): WkdProxyConfig => ({
  timeoutMs: 1500,
  maxBytes: 256 * 1024,
  allowPrivate: false,
  hostMap: new Map(),
  extraCaFile: null,
  onlyMapped: false,
  resolver: silentAddress,
});

describe('the lookup proxy against name servers that never answer', () => {
  it('a look-up ends with a DNS error by its deadline, not never', async () => {
    const answer = await lookupWkdForProxy('someone@hangs.example', config());
    expect(answer.status).toBe(502);
    expect(JSON.stringify(answer.body)).toMatch(/no answer within|failed/);
  });

  it('ten hanging look-ups at once do not stall file reads (c-ares, not libuv’s four threads)', async () => {
    const resolve = createDeadlineResolver(silentAddress);
    const hanging = Array.from({ length: 10 }, (_, i) => resolve(`host${i}.hangs.example`));
    const order: string[] = [];
    const read = readFile(new URL(import.meta.url)).then(() => order.push('file'));
    await Promise.all([...hanging.map((h) => h.then(() => order.push('dns'))), read]);
    expect(order[0]).toBe('file');
  });

  it('a batch answers every address by its total deadline', async () => {
    const handler = createWkdProxyHandler(config());
    const server: Server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    const addresses = Array.from({ length: 20 }, (_, i) => `a${i}@domain${i}.hangs.example`);
    const started = Date.now();
    const response = await fetch(
      `http://127.0.0.1:${port}/api/wkd/batch?${addresses.map((a) => `address=${a}`).join('&')}`,
    );
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { address: string });
    expect(lines.map((l) => l.address).sort()).toEqual([...addresses].sort());
    expect(Date.now() - started).toBeLessThan(2 * 1500 + 2000); // the batch deadline, with slack for a busy machine
    server.close();
  });

  it('look-ups beyond the global cap wait their turn', async () => {
    const limit = counterSlots(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limit(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((ok) => setTimeout(ok, 10));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

describe('special-purpose IPv6 ranges are never proxy targets', () => {
  it.each([
    '64:ff9b::8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
    '::8.8.8.8',
    '::0808:0808',
    'fec0::1',
    '2001:0:4136:e378::1',
    'FE80::1%eth0',
  ])('%s is refused', (ip) => expect(isNonPublicAddress(ip)).toBe(true));
  it.each(['2a00:1450:4001::1', '2606:4700::6810:84e5', '::ffff:8.8.8.8'])('%s is public', (ip) =>
    expect(isNonPublicAddress(ip)).toBe(false),
  );
});
