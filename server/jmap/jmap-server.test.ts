import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJmapClient, getMethodResponse, type JmapClient } from '../../src/core/jmap/client';
import { loadAccountSetup } from '../../src/core/jmap/account-setup';
import { emailState, listMailbox, setKeywords } from '../../src/core/jmap/mail';
import { watchPush } from '../../src/core/jmap/push';
import { importDraft, submitDraft } from '../../src/core/jmap/submission';
import { connectAccount, type Connection } from '../../src/core/jmap/connect';
import { discoverSession } from '../../src/core/jmap/session';
import { SEND_USING } from '../../src/core/jmap/types';
import { sendMessage } from '../../src/core/send/send-message';
import { createApiToken, findAccountByUsername } from './accounts';
import { MAX_EVENT_SOURCES_PER_ACCOUNT } from './push';
import { startAppServer, type RunningAppServer } from '../app-server';

let dataDir: string;
let server: RunningAppServer;

async function start(limits = {}) {
  server = await startAppServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    serve: 'none',
    distDir: '',
    corsOrigins: ['*'],
    seedDemo: true,
    prefillAccount: null,
    limits,
    wkdProxy: null,
  });
  return server;
}

async function signIn(username: string, password = username.replace(/@.*/, '-pass')): Promise<JmapClient> {
  const auth = { kind: 'basic' as const, username, password };
  const session = await discoverSession({ serverUrl: server.url, auth, fetch });
  return createJmapClient({ session, auth, fetch });
}

async function inbox(client: JmapClient) {
  const { mailboxes } = await loadAccountSetup(client);
  const box = mailboxes.all.find((m) => m.role === 'inbox')!;
  return listMailbox(client, { mailboxId: box.id });
}

/** Import into Drafts, then submit: what a first try of a send does. */
async function importAndSubmit(
  client: JmapClient,
  options: Omit<Parameters<typeof submitDraft>[1], 'emailId'> & { blobId: string },
) {
  const { blobId, ...rest } = options;
  return submitDraft(client, { ...rest, emailId: await importDraft(client, { blobId, mailboxes: options.mailboxes }) });
}

const raw = (s: string) => new TextEncoder().encode(s.replace(/\n/g, '\r\n'));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'jmap-test-'));
  await start({ maxRecipients: 5 });
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded JMAP server with the core client', () => {
  it('sends alice → bob (Cc carol, Bcc dave and an outside address): delivered, Bcc hidden, outside mail queued', async () => {
    const alice = await signIn('alice@example.test');
    const setup = await loadAccountSetup(alice);
    expect(setup.identities.map((i) => i.email)).toEqual(['alice@example.test', 'alice.alias@example.test']);
    const result = await sendMessage(
      {
        identity: setup.identities[0]!,
        to: [{ name: 'Bob', address: 'bob@example.test' }],
        cc: [{ name: null, address: 'carol@example.test' }],
        bcc: [
          { name: null, address: 'dave@example.test' },
          { name: null, address: 'someone@elsewhere.example' },
        ],
        subject: 'Grüße – test',
        text: 'Hello Bob',
        attachments: [{ name: 'naïve.txt', type: 'text/plain', content: new TextEncoder().encode('file') }],
        messageId: '<send-1@example.test>',
      },
      { jmap: alice, mailboxes: setup.mailboxes, now: () => new Date(), boundarySeed: () => 'b' },
    );
    expect(result.movedToSent).toBe(true);
    const sent = await listMailbox(alice, { mailboxId: setup.mailboxes.sent!.id });
    expect(sent.emails[0]).toMatchObject({ id: result.emailId, subject: 'Grüße – test', hasAttachment: true });
    expect((await listMailbox(alice, { mailboxId: setup.mailboxes.drafts!.id })).emails).toHaveLength(0);

    for (const user of ['bob@example.test', 'carol@example.test', 'dave@example.test']) {
      const client = await signIn(user);
      const { emails } = await inbox(client);
      expect(emails[0]?.subject, user).toBe('Grüße – test');
      const bytes = await client.download({ blobId: emails[0]!.blobId, name: 'm.eml', type: 'message/rfc822' });
      const text = new TextDecoder().decode(bytes);
      expect(text).not.toMatch(/dave@example\.test|elsewhere\.example/);
      expect((await PostalMime.parse(bytes)).attachments[0]?.filename).toBe('naïve.txt');
    }
    const outbox = server.db.prepare('SELECT rcpt_to FROM outbox').all() as { rcpt_to: string }[];
    expect(outbox).toEqual([{ rcpt_to: 'someone@elsewhere.example' }]);
  });

  it('delivers the exact uploaded bytes (no re-encoding)', async () => {
    const alice = await signIn('alice@example.test');
    const setup = await loadAccountSetup(alice);
    const message = raw(
      'From: alice@example.test\nTo: bob@example.test\nSubject: exact\nMessage-ID: <exact@example.test>\nContent-Type: text/plain\n\nline one  \n=not qp\n',
    );
    const blob = await alice.upload(message, 'message/rfc822');
    await importAndSubmit(alice, {
      blobId: blob.blobId,
      identityId: setup.identities[0]!.id,
      envelope: {
        mailFrom: { email: 'alice@example.test', parameters: null },
        rcptTo: [{ email: 'bob@example.test', parameters: null }],
      },
      mailboxes: setup.mailboxes,
    });
    const bob = await signIn('bob@example.test');
    const got = (await inbox(bob)).emails.find((e) => e.subject === 'exact')!;
    expect(await bob.download({ blobId: got.blobId, name: 'x', type: 'message/rfc822' })).toEqual(message);
  });

  it('maps submission SetErrors: invalidRecipients, forbiddenToSend, tooManyRecipients, forbiddenFrom, forbiddenMailFrom', async () => {
    const alice = await signIn('alice@example.test');
    const setup = await loadAccountSetup(alice);
    const submit = async (client: JmapClient, from: string, rcpts: string[], mailFrom = from) => {
      const s = await loadAccountSetup(client);
      const blob = await client.upload(raw(`From: ${from}\nTo: ${rcpts[0]}\nSubject: e\n\nx\n`), 'message/rfc822');
      return importAndSubmit(client, {
        blobId: blob.blobId,
        identityId: s.identities[0]!.id,
        envelope: {
          mailFrom: { email: mailFrom, parameters: null },
          rcptTo: rcpts.map((email) => ({ email, parameters: null })),
        },
        mailboxes: s.mailboxes,
      }).then(
        () => 'ok',
        (e: { code: string; detail?: string; message: string }) => `${e.message} | ${e.detail}`,
      );
    };
    expect(await submit(alice, 'alice@example.test', ['nobody@example.test'])).toMatch(
      /invalidRecipients.*nobody@example\.test/,
    );
    expect(await submit(await signIn('dave@example.test'), 'dave@example.test', ['bob@example.test'])).toMatch(
      /forbiddenToSend.*may not send/,
    );
    expect(
      await submit(alice, 'alice@example.test', ['a@x.org', 'b@x.org', 'c@x.org', 'd@x.org', 'e@x.org', 'f@x.org']),
    ).toMatch(/tooManyRecipients.*at most 5/);
    expect(await submit(alice, 'mallory@example.test', ['bob@example.test'])).toMatch(/forbiddenFrom/);
    expect(await submit(alice, 'alice@example.test', ['bob@example.test'], 'bob@example.test')).toMatch(
      /forbiddenMailFrom/,
    );
    // Refused submissions leave no stray drafts behind.
    expect((await listMailbox(alice, { mailboxId: setup.mailboxes.drafts!.id })).emails).toHaveLength(0);
  });

  it('reports an import failure itself, not the follow-on submission failure', async () => {
    const alice = await signIn('alice@example.test');
    const setup = await loadAccountSetup(alice);
    const blob = await alice.upload(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'message/rfc822');
    await expect(
      importAndSubmit(alice, {
        blobId: blob.blobId,
        identityId: setup.identities[0]!.id,
        mailboxes: setup.mailboxes,
        envelope: {
          mailFrom: { email: 'alice@example.test', parameters: null },
          rcptTo: [{ email: 'bob@example.test', parameters: null }],
        },
      }),
    ).rejects.toMatchObject({ code: 'jmap/import-failed', message: expect.stringMatching(/invalidEmail/) });
  });

  it('keeps request-level and method-level errors apart', async () => {
    const alice = await signIn('alice@example.test');
    await expect(alice.request({ using: ['urn:example:nope'], methodCalls: [] })).rejects.toMatchObject({
      code: 'jmap/request-failed',
      message: expect.stringMatching(/unknownCapability/),
    });
    const tooMany = Array.from(
      { length: 65 },
      (_, i) => ['Core/echo', {}, `c${i}`] as [string, Record<string, unknown>, string],
    );
    await expect(alice.request({ using: SEND_USING, methodCalls: tooMany })).rejects.toMatchObject({
      code: 'jmap/too-large',
    });
    const { methodResponses } = await alice.request({
      using: SEND_USING,
      methodCalls: [
        ['Email/get', { accountId: 'nope', ids: [] }, 'a'],
        ['Email/query', { accountId: alice.session.accountId, filter: { unknownThing: 1 } }, 'b'],
        [
          'Email/get',
          { accountId: alice.session.accountId, '#ids': { resultOf: 'zz', name: 'Email/query', path: '/ids' } },
          'c',
        ],
        ['Mailbox/get', { accountId: alice.session.accountId, ids: null }, 'ok'],
      ],
    });
    expect(methodResponses.map(([n, a]) => (n === 'error' ? a.type : n))).toEqual([
      'accountNotFound',
      'unsupportedFilter',
      'invalidResultReference',
      'Mailbox/get',
    ]);
    expect(() => getMethodResponse(methodResponses, 'Email/get', 'a')).toThrow(/accountNotFound/);
  });

  it('resolves result references with * paths', async () => {
    const alice = await signIn('alice@example.test');
    const { methodResponses } = await alice.request({
      using: SEND_USING,
      methodCalls: [
        ['Mailbox/get', { accountId: alice.session.accountId, ids: null }, 'm'],
        [
          'Mailbox/get',
          {
            accountId: alice.session.accountId,
            '#ids': { resultOf: 'm', name: 'Mailbox/get', path: '/list/*/id' },
            properties: ['role'],
          },
          'n',
        ],
      ],
    });
    const roles = getMethodResponse<{ list: { role: string }[] }>(methodResponses, 'Mailbox/get', 'n').list.map(
      (m) => m.role,
    );
    expect(roles).toEqual(['inbox', 'drafts', 'sent', 'trash']);
  });

  it('authenticates bearer tokens and refuses wrong passwords', async () => {
    const token = createApiToken(server.db, findAccountByUsername(server.db, 'bob@example.test')!.id);
    const session = await discoverSession({ serverUrl: server.url, auth: { kind: 'bearer', token }, fetch });
    expect(session.username).toBe('bob@example.test');
    await expect(
      discoverSession({ serverUrl: server.url, auth: { kind: 'bearer', token: 'nope' }, fetch }),
    ).rejects.toMatchObject({ code: 'jmap/unauthorized' });
    await expect(
      discoverSession({
        serverUrl: server.url,
        auth: { kind: 'basic', username: 'bob@example.test', password: 'x' },
        fetch,
      }),
    ).rejects.toMatchObject({ code: 'jmap/unauthorized' });
  });

  it('answers CORS preflights for other origins', async () => {
    const res = await fetch(`${server.url}jmap/api/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('pushes state changes (RFC 8620 §7.3) to the core client, which sees new mail without polling', async () => {
    const bob = await signIn('bob@example.test');
    const alice = await signIn('alice@example.test');
    const controller = new AbortController();
    const changes: Record<string, string>[] = [];
    const connected: boolean[] = [];
    const watching = watchPush(bob, {
      types: ['Email', 'Mailbox'],
      signal: controller.signal,
      onChange: (c) => changes.push(c),
      onConnected: (c) => connected.push(c),
    });
    await expect.poll(() => connected).toEqual([true]);
    const before = await emailState(bob);
    const setup = await loadAccountSetup(alice);
    await sendMessage(
      {
        identity: setup.identities[0]!,
        to: [{ name: null, address: 'bob@example.test' }],
        cc: [],
        bcc: [],
        subject: 'pushed',
        text: 'hi',
        attachments: [],
        messageId: '<push-1@example.test>',
      },
      { jmap: alice, mailboxes: setup.mailboxes, now: () => new Date(), boundarySeed: () => 'p' },
    );
    await expect.poll(() => changes.some((c) => c.Email && c.Email !== before)).toBe(true);
    // Only the asked-for types are reported.
    expect(changes.every((c) => Object.keys(c).every((t) => ['Email', 'Mailbox'].includes(t)))).toBe(true);
    controller.abort();
    expect(await watching).toBe('stopped');
  });

  it('event streams: closeafter=state ends after one event; bad parameters 400; more than the per-account limit 429', async () => {
    const bob = await signIn('bob@example.test');
    const auth = { Authorization: bob.authorization() };
    const url = (q: string) => `${server.url}jmap/eventsource/?${q}`;
    expect((await fetch(url('types=*&closeafter=sometimes&ping=0'), { headers: auth })).status).toBe(400);
    expect((await fetch(url('types=*&closeafter=no&ping=-1'), { headers: auth })).status).toBe(400);
    expect((await fetch(url('types=*&closeafter=no&ping=0'))).status).toBe(401);

    const once = await fetch(url('types=Email&closeafter=state&ping=0'), { headers: auth });
    expect(once.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = once.text();
    await setKeywords(bob, (await inbox(bob)).emails[0]!.id, { $flagged: true });
    expect(await text).toMatch(/event: state\ndata: \{"@type":"StateChange","changed":\{"[^"]+":\{"Email":"\d+"\}\}\}/);

    const held: AbortController[] = [];
    try {
      for (let i = 0; i < MAX_EVENT_SOURCES_PER_ACCOUNT; i++) {
        const c = new AbortController();
        held.push(c);
        expect((await fetch(url('types=*&closeafter=no&ping=0'), { headers: auth, signal: c.signal })).status).toBe(
          200,
        );
      }
      const refused = await fetch(url('types=*&closeafter=no&ping=0'), { headers: auth });
      expect(refused.status).toBe(429);
      // Another account is not held up by Bob's streams.
      const alice = await signIn('alice@example.test');
      const other = new AbortController();
      expect(
        (
          await fetch(url('types=*&closeafter=no&ping=0'), {
            headers: { Authorization: alice.authorization() },
            signal: other.signal,
          })
        ).status,
      ).toBe(200);
      other.abort();
    } finally {
      held.forEach((c) => c.abort());
    }
    // Closed streams free their places.
    await expect
      .poll(async () => {
        const c = new AbortController();
        const r = await fetch(url('types=*&closeafter=no&ping=0'), { headers: auth, signal: c.signal });
        c.abort();
        return r.status;
      })
      .toBe(200);
  });

  it('reads the session again when an answer carries another sessionState, once, and never in a loop', async () => {
    let serverSessionState = 'S1';
    let apiSessionState = 'S1';
    let sessionReads = 0;
    // The server's session changes (as after a capability or account change): its answers say so.
    const rewriting = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      const url = String(input);
      if (url.includes('/.well-known/jmap') || url.includes('/jmap/session')) {
        sessionReads++;
        return Response.json({ ...((await response.json()) as object), state: serverSessionState });
      }
      if (url.includes('/jmap/api')) {
        return Response.json({ ...((await response.json()) as object), sessionState: apiSessionState });
      }
      return response;
    }) as typeof fetch;
    const renewals: Connection[] = [];
    const auth = { kind: 'basic' as const, username: 'bob@example.test', password: 'bob-pass' };
    const first = await connectAccount({
      serverUrl: server.url,
      auth,
      fetch: rewriting,
      renewed: (c) => renewals.push(c),
    });
    expect(first.client.session.state).toBe('S1');
    serverSessionState = apiSessionState = 'S2';
    await inbox(first.client);
    await inbox(first.client);
    await expect.poll(() => renewals.length).toBe(1);
    expect(renewals[0]!.client.session.state).toBe('S2');
    expect(renewals[0]!.setup.mailboxes.inbox).toBeTruthy();
    // A server whose answers name a state its session resource never shows: read once, not replaced.
    const readsBefore = sessionReads;
    apiSessionState = 'S3';
    await inbox(renewals[0]!.client);
    await inbox(renewals[0]!.client);
    await expect.poll(() => sessionReads).toBe(readsBefore + 1);
    await new Promise((ok) => setTimeout(ok, 100));
    expect(sessionReads).toBe(readsBefore + 1);
    expect(renewals).toHaveLength(1);
  });

  it('keeps everything across a restart', async () => {
    const before = (await inbox(await signIn('bob@example.test'))).emails.length;
    expect(before).toBeGreaterThan(0);
    await server.close();
    await start();
    expect(server.createdDemo).toEqual([]); // accounts came from the database, not seeded again
    expect((await inbox(await signIn('bob@example.test'))).emails.length).toBe(before);
  });
});
