import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJmapClient, type JmapClient } from '../../src/core/jmap/client';
import { loadAccountSetup } from '../../src/core/jmap/account-setup';
import { listMailbox } from '../../src/core/jmap/mail';
import { discoverSession } from '../../src/core/jmap/session';
import { deliverMessage } from '../../src/core/send/deliver';
import { prepareMessage } from '../../src/core/send/send-message';
import type { RunningAppServer } from '../app-server';
import { startTestServer } from '../testing/test-server';

/** The embedded backend keeps blob bytes in files: uploads stream to disk, deliveries share the file. */
let running: Awaited<ReturnType<typeof startTestServer>>;
let server: RunningAppServer;
const QUOTA = 80 * 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const blobDir = () => join(running.dataDir, 'blobs');
const blobFiles = () => readdirSync(blobDir());

async function signIn(user: string): Promise<JmapClient> {
  const auth = { kind: 'basic' as const, username: `${user}@example.test`, password: `${user}-pass` };
  return createJmapClient({ session: await discoverSession({ serverUrl: server.url, auth, fetch }), auth, fetch });
}

async function download(client: JmapClient, blobId: string): Promise<Uint8Array> {
  const url = new URL(`/jmap/download/${client.session.accountId}/${blobId}/m.eml?type=message/rfc822`, server.url);
  const answer = await fetch(url, { headers: { Authorization: client.authorization() } });
  expect(answer.status).toBe(200);
  return new Uint8Array(await answer.arrayBuffer());
}

const row = (accountId: string, id: string) =>
  server.db
    .prepare('SELECT file, length(data) AS inline FROM blobs WHERE account_id = ? AND id = ?')
    .get(accountId, id) as { file: string | null; inline: number } | undefined;

async function inboxBlob(user: string, subject: string) {
  const client = await signIn(user);
  const { mailboxes } = await loadAccountSetup(client);
  const inbox = mailboxes.all.find((m) => m.role === 'inbox')!;
  const email = (await listMailbox(client, { mailboxId: inbox.id, limit: 500 })).emails.find(
    (e) => e.subject === subject,
  );
  return { client, blobId: email!.blobId };
}

beforeAll(async () => {
  running = await startTestServer('blob-store', { limits: { accountQuota: QUOTA } });
  server = running.server;
});
afterAll(async () => {
  await running?.stop();
});

describe('blob storage on disk', () => {
  it('a 25 MB message is uploaded to a file, imported, delivered by sharing that file, and downloaded byte for byte', async () => {
    const alice = await signIn('alice');
    const setup = await loadAccountSetup(alice);
    const content = new Uint8Array(25 * 1024 * 1024);
    for (let at = 0; at < content.length; at += 65536) crypto.getRandomValues(content.subarray(at, at + 65536));
    const prepared = await prepareMessage(
      {
        identity: setup.identities[0]!,
        to: [{ name: null, address: 'bob@example.test' }],
        cc: [],
        bcc: [],
        subject: 'big file',
        text: 'see attached',
        attachments: [{ name: 'big.bin', type: 'application/octet-stream', content: new Blob([content]) }],
        messageId: '<big-file@example.test>',
      },
      { now: () => new Date(), boundarySeed: () => 'big' },
    );
    const sent = new Uint8Array(await (prepared.copies[0]!.bytes as Blob).arrayBuffer());
    await deliverMessage(prepared, { jmap: alice, mailboxes: setup.mailboxes });

    const bob = await inboxBlob('bob', 'big file');
    expect(sha256(await download(bob.client, bob.blobId))).toBe(sha256(sent));
    // One file holds the message for both accounts; the database holds none of its bytes.
    const aliceRow = row(alice.session.accountId, prepared.copies[0]!.blobId!);
    const bobRow = row(bob.client.session.accountId, bob.blobId);
    expect(aliceRow).toEqual({ file: sha256(sent), inline: 0 });
    expect(bobRow).toEqual(aliceRow);
    expect(statSync(join(blobDir(), sha256(sent))).size).toBe(sent.length);
    expect(blobFiles().filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });

  it('a Bcc field in the uploaded message: recipients get a copy without it, the sender keeps what was sent', async () => {
    const alice = await signIn('alice');
    const setup = await loadAccountSetup(alice);
    const raw =
      'From: alice@example.test\r\nTo: bob@example.test\r\nBcc: carol@example.test\r\nSubject: with bcc\r\n' +
      'Message-ID: <with-bcc@example.test>\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nBcc: in the body stays\r\n';
    await deliverMessage(
      {
        identityId: setup.identities[0]!.id,
        messageId: '<with-bcc@example.test>',
        copies: [
          {
            bytes: new TextEncoder().encode(raw),
            envelope: { mailFrom: 'alice@example.test', rcptTo: ['bob@example.test', 'carol@example.test'] },
            keepInSent: true,
          },
        ],
      },
      { jmap: alice, mailboxes: setup.mailboxes },
    );
    for (const user of ['bob', 'carol']) {
      const { client, blobId } = await inboxBlob(user, 'with bcc');
      expect(new TextDecoder().decode(await download(client, blobId))).toBe(
        raw.replace('Bcc: carol@example.test\r\n', ''),
      );
    }
  });

  it('an upload over the limit or the quota is refused while it streams, and leaves nothing behind', async () => {
    const alice = await signIn('alice');
    const url = new URL(`/jmap/upload/${alice.session.accountId}/`, server.url);
    const before = blobFiles().sort();
    // No Content-Length: the size is only known as the bytes arrive.
    const streamed = (megabytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < megabytes; i++) controller.enqueue(new Uint8Array(1024 * 1024).fill(i));
          controller.close();
        },
      });
    const answer = await fetch(url, {
      method: 'POST',
      headers: { Authorization: alice.authorization() },
      body: streamed(90),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ limit: 'accountQuota' });
    expect(blobFiles().sort()).toEqual(before);
  });

  it('a blob an earlier version kept in the database is still served', async () => {
    const alice = await signIn('alice');
    server.db
      .prepare('INSERT INTO blobs (account_id, id, type, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(alice.session.accountId, 'Glegacy', 'text/plain', 6, Buffer.from('legacy'), new Date().toISOString());
    expect(new TextDecoder().decode(await download(alice, 'Glegacy'))).toBe('legacy');
  });
});
