import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineProxy, startTestServer } from './testing/test-server';
import { createJmapClient, type JmapClient } from '../src/core/jmap/client';
import { loadAccountSetup } from '../src/core/jmap/account-setup';
import { importDraft, submitDraft } from '../src/core/jmap/submission';
import { discoverSession } from '../src/core/jmap/session';
import { startAppServer, type RunningAppServer } from './app-server';
import { stripTags, summarize } from './jmap/message-parse';
import { stripBccHeader } from './testing/strip-bcc';

/**
 * The companion under hostile clients (issue: hardening). One behaviour per test; each failed
 * before its fix. Run alone with `npm run test:security`.
 */
let server: RunningAppServer;
let running: Awaited<ReturnType<typeof startTestServer>>;
const raw = (s: string) => new TextEncoder().encode(s.replace(/\n/g, '\r\n'));

async function signIn(username: string): Promise<JmapClient> {
  const auth = { kind: 'basic' as const, username, password: username.replace(/@.*/, '-pass') };
  return createJmapClient({ session: await discoverSession({ serverUrl: server.url, auth, fetch }), auth, fetch });
}

beforeAll(async () => {
  running = await startTestServer('security-test', {
    prefillAccount: 'alice@example.test',
    wkdProxy: offlineProxy({ timeoutMs: 1000, allowPrivate: false }),
  });
  ({ server } = running);
});
afterAll(async () => {
  await running?.stop();
});

describe('hostile message text is parsed in linear time', () => {
  it('2 MiB of "<" without ">" in an HTML-only message', async () => {
    const html = '<'.repeat(2 * 1024 * 1024);
    const started = performance.now();
    expect(stripTags(html)).toBe(html);
    const message = raw(`From: a@example.test\nContent-Type: text/html\n\n`);
    const summary = await summarize(new Uint8Array([...message, ...new TextEncoder().encode(html)]));
    // Quadratic stripping took minutes here; linear takes milliseconds. The bound is loose on purpose.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(summary.preview.length).toBeGreaterThan(0);
    expect(stripTags('a<b>c<d')).toBe('a c<d');
  });
});

describe('the From check cannot be bypassed', () => {
  const submit = async (message: string) => {
    const alice = await signIn('alice@example.test');
    const setup = await loadAccountSetup(alice);
    const { blobId } = await alice.upload(raw(message), 'message/rfc822');
    const emailId = await importDraft(alice, { blobId, mailboxes: setup.mailboxes });
    return submitDraft(alice, {
      emailId,
      identityId: setup.identities.find((i) => i.email === 'alice@example.test')!.id,
      envelope: {
        mailFrom: { email: 'alice@example.test', parameters: null },
        rcptTo: [{ email: 'bob@example.test', parameters: null }],
      },
      mailboxes: setup.mailboxes,
    }).then(
      () => 'sent',
      (e: { jmapErrorType?: string }) => e.jmapErrorType,
    );
  };

  it('a second From field above the real one is refused', async () => {
    expect(
      await submit('From: ceo@bank.example\nFrom: alice@example.test\nTo: bob@example.test\nSubject: x\n\nx\n'),
    ).toBe('invalidEmail');
  });

  it('a second address in the From field is refused', async () => {
    expect(await submit('From: alice@example.test, ceo@bank.example\nTo: bob@example.test\nSubject: x\n\nx\n')).toBe(
      'forbiddenFrom',
    );
  });

  it('a Sender that is not the account’s is refused; the account’s own addresses pass', async () => {
    expect(
      await submit('From: alice@example.test\nSender: ceo@bank.example\nTo: bob@example.test\nSubject: x\n\nx\n'),
    ).toBe('forbiddenFrom');
    expect(
      await submit(
        'From: alice@example.test\nSender: alice.alias@example.test\nTo: bob@example.test\nSubject: x\n\nx\n',
      ),
    ).toBe('sent');
  });
});

describe('files that must never be served', () => {
  it('the static handler keeps to its folder: `<root>-old/…` is not inside `<root>`', async () => {
    const base = mkdtempSync(join(tmpdir(), 'static-'));
    mkdirSync(join(base, 'dist'));
    mkdirSync(join(base, 'dist-old'));
    writeFileSync(join(base, 'dist', 'index.html'), '<p>app</p>');
    writeFileSync(join(base, 'dist-old', 'secret.txt'), 'secret');
    const app = await startAppServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(base, 'data'),
      serve: 'dist',
      distDir: join(base, 'dist'),
      corsOrigins: [],
      seedDemo: false,
      prefillAccount: null,
      wkdProxy: null,
    });
    const get = (path: string) =>
      new Promise<string>((ok) => {
        // A raw path: fetch would normalise the `..` away before sending it.
        request({ host: '127.0.0.1', port: new URL(app.url).port, path }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => ok(`${res.statusCode} ${body}`));
        }).end();
      });
    expect(await get('/../dist-old/secret.txt')).not.toContain('secret');
    expect(await get('/%2e%2e/dist-old/secret.txt')).not.toContain('secret');
    // An encoded slash survives URL parsing and becomes `../` once decoded.
    expect(await get('/..%2fdist-old/secret.txt')).not.toContain('secret');
    expect(await get('/index.html')).toContain('app');
    await app.close();
    rmSync(base, { recursive: true, force: true });
  });
});

describe('small leaks', () => {
  it('lookup proxy answers are never sniffed or run as a page', async () => {
    const answer = await fetch(new URL('/api/wkd?address=someone@nowhere.invalid', server.url));
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('`Bcc :` (space before the colon) is stripped like `Bcc:`', () => {
    const out = new TextDecoder().decode(
      stripBccHeader(raw('From: a@x.example\nBcc : hidden@x.example\nTo: b@x.example\n\nbody\n')),
    );
    expect(out).not.toContain('hidden');
    expect(out).toContain('To: b@x.example');
  });
});

describe('the data folder in `npm run dev`', () => {
  it('Vite serves the project folder, but never the data folder (SQLite with mail and password hashes)', async () => {
    const name = `data-security-${process.pid}`;
    const app = await startAppServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(process.cwd(), name),
      serve: 'dev',
      distDir: '',
      corsOrigins: [],
      seedDemo: true,
      prefillAccount: null,
      wkdProxy: null,
    });
    try {
      expect((await fetch(new URL(`/${name}/jmap.sqlite`, app.url))).status).toBe(404);
      expect((await fetch(new URL(`/@fs${join(process.cwd(), name)}/jmap.sqlite`, app.url))).status).toBe(404);
      expect((await fetch(new URL('/index.html', app.url))).status).toBe(200); // the app itself is served
    } finally {
      await app.close();
      rmSync(join(process.cwd(), name), { recursive: true, force: true });
    }
  });
});

describe('cross-origin and rebinding on a local `npm start`', () => {
  const raw = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((ok) => {
      request({ host: '127.0.0.1', port: new URL(server.url).port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
      }).end();
    });

  it('a host name that is not this server’s (DNS rebinding) is refused', async () => {
    expect((await raw('/api/companion', { Host: 'evil.example:8080' })).status).toBe(421);
    expect((await raw('/.well-known/jmap', { Host: 'attacker.example' })).status).toBe(421);
    expect((await raw('/api/companion', { Host: `localhost:${new URL(server.url).port}` })).status).toBe(200);
    // The WKD domains are its own: the direct method names them as the Host.
    expect((await raw('/.well-known/openpgpkey/example.test/policy', { Host: 'openpgpkey.example.test' })).status).toBe(
      200,
    );
  });

  it('the demo password goes to the app’s own origin only', async () => {
    const port = new URL(server.url).port;
    const own = JSON.parse((await raw('/api/companion', { Host: `127.0.0.1:${port}` })).body) as {
      signInDefaults: unknown;
    };
    expect(own.signInDefaults).toMatchObject({ username: 'alice@example.test' });
    const other = JSON.parse(
      (await raw('/api/companion', { Host: `127.0.0.1:${port}`, Origin: 'https://evil.example' })).body,
    ) as { signInDefaults: unknown };
    expect(other.signInDefaults).toBeNull();
  });

  it('no CORS grant to other origins by default', async () => {
    const answer = await raw('/.well-known/jmap', { Host: '127.0.0.1', Origin: 'https://evil.example' });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
