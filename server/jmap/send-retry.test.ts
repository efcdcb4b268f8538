import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../../src/core/crypto/api';
import type { GeneratedKey } from '../../src/core/crypto/types';
import { createJmapClient, type JmapClient } from '../../src/core/jmap/client';
import { loadAccountSetup } from '../../src/core/jmap/account-setup';
import { listMailbox } from '../../src/core/jmap/mail';
import { discoverSession } from '../../src/core/jmap/session';
import { deliverMessage } from '../../src/core/send/deliver';
import { type OutgoingDraft, prepareMessage } from '../../src/core/send/send-message';
import type { RunningAppServer } from '../app-server';
import { startTestServer } from '../testing/test-server';

const PASS = 'retry test passphrase';
const crypto = createCryptoApi();
let running: Awaited<ReturnType<typeof startTestServer>>;
let server: RunningAppServer;
const keys: Record<string, GeneratedKey> = {};

/** A fetch that fails the n-th API request carrying `method`: before it reaches the server, or after (the answer is lost). */
function flakyFetch(method: string, when: 'before' | 'after', nth = 1) {
  let seen = 0;
  const uploads: string[] = [];
  const fn: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/upload/')) uploads.push(url);
    const body = typeof init?.body === 'string' ? init.body : '';
    if (body.includes(`"${method}"`) && ++seen === nth) {
      if (when === 'before') throw new TypeError('Failed to fetch');
      await fetch(input, init);
      throw new TypeError('network changed');
    }
    return fetch(input, init);
  };
  return { fn, uploads };
}

async function signIn(user: string, fetchFn: typeof fetch = fetch): Promise<JmapClient> {
  const auth = { kind: 'basic' as const, username: `${user}@example.test`, password: `${user}-pass` };
  return createJmapClient({
    session: await discoverSession({ serverUrl: server.url, auth, fetch }),
    auth,
    fetch: fetchFn,
  });
}

const inboxCount = async (user: string, subject: string) => {
  const client = await signIn(user);
  const { mailboxes } = await loadAccountSetup(client);
  return (
    await listMailbox(client, { mailboxId: mailboxes.all.find((m) => m.role === 'inbox')!.id, limit: 500 })
  ).emails.filter((e) => e.subject === subject).length;
};

beforeAll(async () => {
  running = await startTestServer('send-retry-test', { corsOrigins: ['*'] });
  server = running.server;
  for (const user of ['alice', 'bob', 'carol']) {
    keys[user] = await crypto.generateKey({
      name: '',
      email: `${user}@example.test`,
      passphrase: PASS,
      algorithm: 'curve25519-legacy',
      expiresInSeconds: 0,
    });
  }
  await crypto.unlockKey(keys.alice!.armoredSecret, PASS, 60_000);
});
afterAll(async () => {
  await running?.stop();
});

async function prepared(subject: string) {
  const alice = await signIn('alice');
  const setup = await loadAccountSetup(alice);
  const draft: OutgoingDraft = {
    identity: setup.identities[0]!,
    to: [{ name: null, address: 'bob@example.test' }],
    cc: [],
    bcc: [{ name: null, address: 'carol@example.test' }],
    subject,
    text: 'retry body',
    attachments: [],
    messageId: `<${subject.replace(/\W/g, '')}@example.test>`,
    security: {
      encrypt: true,
      signWith: keys.alice!.summary.fingerprint,
      recipientKeys: { 'bob@example.test': keys.bob!.armoredPublic, 'carol@example.test': keys.carol!.armoredPublic },
      ownKey: { address: 'alice@example.test', armoredPublic: keys.alice!.armoredPublic },
      protectHeaders: false,
    },
  };
  const message = await prepareMessage(draft, { now: () => new Date(), boundarySeed: () => 'r', crypto });
  return { message, mailboxes: setup.mailboxes };
}

describe('retrying a failed send', () => {
  it('an answer lost after the server sent the message: the retry finds the submission and sends nothing again', async () => {
    const subject = 'retry-lost-answer';
    const { message, mailboxes } = await prepared(subject);
    const bytesBefore = message.copies.map((c) => c.bytes);
    const flaky = flakyFetch('EmailSubmission/set', 'after');
    const jmap = await signIn('alice', flaky.fn);
    await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({ code: 'jmap/unreachable' });
    expect(message.copies[0]!.uncertain).toBe('submit');
    const result = await deliverMessage(message, { jmap, mailboxes });
    expect(result.movedToSent).toBe(true);
    // The same ciphertext, each copy uploaded once: the To copy and the Bcc copy.
    expect(message.copies.map((c) => c.bytes)).toEqual(bytesBefore);
    expect(flaky.uploads).toHaveLength(2);
    expect(await inboxCount('bob', subject)).toBe(1);
    expect(await inboxCount('carol', subject)).toBe(1);
  });

  it('an import whose answer was lost is found by its blob, not imported twice', async () => {
    const subject = 'retry-lost-import';
    const { message, mailboxes } = await prepared(subject);
    const flaky = flakyFetch('Email/import', 'after');
    const jmap = await signIn('alice', flaky.fn);
    await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({ code: 'jmap/unreachable' });
    expect(message.copies[0]!.uncertain).toBe('import');
    await deliverMessage(message, { jmap, mailboxes });
    expect(await inboxCount('bob', subject)).toBe(1);
    expect((await listMailbox(jmap, { mailboxId: mailboxes.drafts!.id })).emails).toHaveLength(0);
  });

  it('a request that never arrived is submitted again, once; a copy already sent is skipped', async () => {
    const subject = 'retry-never-arrived';
    const { message, mailboxes } = await prepared(subject);
    // The first copy (To bob) goes through; the Bcc copy's submission is lost before the server.
    const flaky = flakyFetch('EmailSubmission/set', 'before', 2);
    const jmap = await signIn('alice', flaky.fn);
    await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({ code: 'jmap/unreachable' });
    expect(message.copies.map((c) => !!c.result)).toEqual([true, false]);
    await deliverMessage(message, { jmap, mailboxes });
    expect(flaky.uploads).toHaveLength(2);
    expect(await inboxCount('bob', subject)).toBe(1);
    expect(await inboxCount('carol', subject)).toBe(1);
  });

  it('a refusal by the server is not mistaken for a lost answer', async () => {
    const subject = 'retry-refused';
    const { message, mailboxes } = await prepared(subject);
    const jmap = await signIn('alice');
    const refused = { ...message, identityId: 'no-such-identity' };
    await expect(deliverMessage(refused, { jmap, mailboxes })).rejects.toMatchObject({
      code: 'jmap/submission-failed',
    });
    expect(refused.copies[0]!.uncertain).toBeUndefined();
    expect(await inboxCount('bob', subject)).toBe(0);
  });

  describe('what a failed request means is decided by status and error type, not by message text', () => {
    /** Answers the first request carrying `method` with `status`, after (`forward`) or instead of passing it on. */
    const answering = (method: string, status: number, forward: boolean): typeof fetch => {
      let done = false;
      return async (input, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (!done && body.includes(`"${method}"`)) {
          done = true;
          if (forward) await fetch(input, init);
          return new Response(JSON.stringify({ type: 'urn:ietf:params:jmap:error:serverFail', status }), { status });
        }
        return fetch(input, init);
      };
    };

    it('a 4xx answer means the server did not act: no check with the server before the retry', async () => {
      const { message, mailboxes } = await prepared('retry-4xx');
      const jmap = await signIn('alice', answering('Email/import', 400, false));
      await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({
        code: 'jmap/request-failed',
        httpStatus: 400,
      });
      expect(message.copies[0]!.uncertain).toBeUndefined();
    });

    it('a 5xx answer may come after the server acted: the retry asks first and sends once', async () => {
      const subject = 'retry-5xx';
      const { message, mailboxes } = await prepared(subject);
      const jmap = await signIn('alice', answering('EmailSubmission/set', 502, true));
      await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({ httpStatus: 502 });
      expect(message.copies[0]!.uncertain).toBe('submit');
      await deliverMessage(message, { jmap: await signIn('alice'), mailboxes });
      expect(await inboxCount('bob', subject)).toBe(1);
    });

    it('an unknown blob (blobNotFound) is uploaded again on the retry', async () => {
      const subject = 'retry-blob-gone';
      const { message, mailboxes } = await prepared(subject);
      message.copies[0]!.blobId = 'Gno-such-blob';
      const jmap = await signIn('alice');
      await expect(deliverMessage(message, { jmap, mailboxes })).rejects.toMatchObject({
        code: 'jmap/import-failed',
        jmapErrorType: 'blobNotFound',
      });
      expect(message.copies[0]!.blobId).toBeUndefined();
      await deliverMessage(message, { jmap, mailboxes });
      expect(await inboxCount('bob', subject)).toBe(1);
    });
  });
});
