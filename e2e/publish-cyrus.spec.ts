import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { startAppServer, type RunningAppServer } from '../server/app-server';
import { expect, test } from './fixtures';

/**
 * The companion checks publishing credentials against a real Cyrus JMAP server (its session and
 * `Identity/get`), configured as PUBLISH_JMAP_SESSION_URL would set it.
 */
const JMAP_PORT = Number(process.env.CYRUS_JMAP_PORT ?? 28081);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test.describe('publishing with credentials checked by real Cyrus', () => {
  test.skip(
    () => process.env.E2E_CYRUS !== 'ready',
    process.env.E2E_CYRUS?.replace(/^skip:/, '') ?? 'Cyrus peer not started',
  );
  let app: RunningAppServer;
  let dataDir: string;
  test.beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'publish-cyrus-'));
    app = await startAppServer({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      serve: 'none',
      distDir: '',
      corsOrigins: [],
      seedDemo: false,
      prefillAccount: null,
      wkdProxy: null,
      publishing: { domains: ['example.org'], sessionUrl: `http://127.0.0.1:${JMAP_PORT}/.well-known/jmap` },
    });
  });
  test.afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const publish = (key: string, address: string, authorization: string) =>
    fetch(new URL('/api/wkd/publish', app.url), {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ key, addresses: [address] }),
    });

  test('alice publishes for her Cyrus identity; a wrong password and bob’s address are refused', async () => {
    const { publicKey } = await openpgp.generateKey({
      userIDs: [{ email: 'alice@example.org' }, { email: 'bob@example.org' }],
    });
    expect((await publish(publicKey, 'alice@example.org', basic('alice@example.org', 'alice-pass'))).status).toBe(200);
    expect((await publish(publicKey, 'alice@example.org', basic('alice@example.org', 'wrong'))).status).toBe(401);
    const other = await publish(publicKey, 'bob@example.org', basic('alice@example.org', 'alice-pass'));
    expect(other.status).toBe(403);
    const served = await fetch(
      new URL('/.well-known/openpgpkey/example.org/hu/kei1q4tipxxu1yj79k9kfukdhfy631xe', app.url),
    );
    expect(served.status).toBe(200);
    const key = await openpgp.readKey({ binaryKey: new Uint8Array(await served.arrayBuffer()) });
    expect(key.users.map((u) => u.userID?.email)).toEqual(['alice@example.org']);
  });
});
