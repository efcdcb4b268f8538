import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import type { JmapClient } from '../jmap/client';
import type { Identity, Invocation } from '../jmap/types';
import { sendMessage } from './send-message';

const crypto = createCryptoApi();
const PASS = 'send test passphrase';

/** A JMAP client that records uploads and submissions and answers as a server would. */
function recordingClient() {
  const uploads: Uint8Array[] = [];
  const submissions: { rcptTo: string[]; destroy: boolean }[] = [];
  const client = {
    session: { accountId: 'A', core: {} } as JmapClient['session'],
    upload: async (body: Uint8Array | Blob) => {
      uploads.push(body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : body);
      return { accountId: 'A', blobId: `B${uploads.length}`, type: 'message/rfc822', size: 1 };
    },
    download: async () => new Uint8Array(),
    downloadBlob: async () => new Blob([]),
    request: async (req: { methodCalls: Invocation[] }) => {
      const [name, args] = req.methodCalls[0]!;
      if (name === 'Email/import')
        return {
          sessionState: 's',
          methodResponses: [
            ['Email/import', { created: { draft: { id: `M${uploads.length}` } } }, 'import'],
          ] as Invocation[],
        };
      const submit = args as {
        create: { send: { envelope: { rcptTo: { email: string }[] } } };
        onSuccessDestroyEmail?: string[];
      };
      submissions.push({
        rcptTo: submit.create.send.envelope.rcptTo.map((r) => r.email),
        destroy: !!submit.onSuccessDestroyEmail,
      });
      return {
        sessionState: 's',
        methodResponses: [
          [
            'EmailSubmission/set',
            { created: { send: { id: `S${submissions.length}`, undoStatus: 'final' } } },
            'submit',
          ],
        ] as Invocation[],
      };
    },
  } as unknown as JmapClient;
  return { client, uploads, submissions };
}

const keyIdsOf = async (bytes: Uint8Array) => {
  const text = new TextDecoder().decode(bytes);
  const armored = text.slice(
    text.indexOf('-----BEGIN PGP MESSAGE-----'),
    text.indexOf('-----END PGP MESSAGE-----') + 25,
  );
  return (await openpgp.readMessage({ armoredMessage: armored }))
    .getEncryptionKeyIDs()
    .map((id) => id.toHex().toUpperCase());
};
const subkeyIdOf = async (armoredPublic: string) =>
  (await (await openpgp.readKey({ armoredKey: armoredPublic })).getEncryptionKey()).getKeyID().toHex().toUpperCase();

let alice: GeneratedKey;
let bob: GeneratedKey;
let hidden: GeneratedKey;
beforeAll(async () => {
  const make = (email: string) =>
    crypto.generateKey({ name: '', email, passphrase: PASS, algorithm: 'curve25519-legacy', expiresInSeconds: 0 });
  [alice, bob, hidden] = await Promise.all([
    make('alice@example.org'),
    make('bob@example.org'),
    make('hidden@example.net'),
  ]);
  await crypto.unlockKey(alice.armoredSecret, PASS, 60_000);
});

describe('sendMessage with encryption', () => {
  it('gives each Bcc recipient a separate copy: the To/Cc copy names no Bcc key, the Bcc copy no other recipient', async () => {
    const { client, uploads, submissions } = recordingClient();
    const identity: Identity = {
      id: 'I',
      name: 'Alice',
      email: 'alice@example.org',
      replyTo: null,
      bcc: null,
      textSignature: '',
      htmlSignature: '',
      mayDelete: false,
    };
    await sendMessage(
      {
        identity,
        to: [{ name: null, address: 'bob@example.org' }],
        cc: [],
        bcc: [{ name: null, address: 'hidden@example.net' }],
        subject: 'S',
        text: 'T',
        attachments: [],
        messageId: '<x@example.org>',
        security: {
          encrypt: true,
          signWith: alice.summary.fingerprint,
          recipientKeys: { 'bob@example.org': bob.armoredPublic, 'hidden@example.net': hidden.armoredPublic },
          ownKey: { address: 'alice@example.org', armoredPublic: alice.armoredPublic },
        },
      },
      {
        jmap: client,
        mailboxes: { all: [], drafts: { id: 'D' } as never, sent: { id: 'Sent' } as never },
        now: () => new Date(),
        boundarySeed: () => 'b',
        crypto,
      },
    );
    expect(submissions).toEqual([
      { rcptTo: ['bob@example.org'], destroy: false },
      { rcptTo: ['hidden@example.net'], destroy: true },
    ]);
    const [bobId, hiddenId, aliceId] = await Promise.all([
      subkeyIdOf(bob.armoredPublic),
      subkeyIdOf(hidden.armoredPublic),
      subkeyIdOf(alice.armoredPublic),
    ]);
    expect((await keyIdsOf(uploads[0]!)).sort()).toEqual([bobId, aliceId].sort());
    expect((await keyIdsOf(uploads[1]!)).sort()).toEqual([hiddenId, aliceId].sort());
    for (const upload of uploads) expect(new TextDecoder().decode(upload)).not.toMatch(/hidden@example\.net/);
  });

  it('refuses to send, rather than send plaintext, when a recipient key is missing', async () => {
    const { client, uploads } = recordingClient();
    const identity: Identity = {
      id: 'I',
      name: '',
      email: 'alice@example.org',
      replyTo: null,
      bcc: null,
      textSignature: '',
      htmlSignature: '',
      mayDelete: false,
    };
    await expect(
      sendMessage(
        {
          identity,
          to: [{ name: null, address: 'nokey@example.org' }],
          cc: [],
          bcc: [],
          subject: 'S',
          text: 'T',
          attachments: [],
          messageId: '<y@example.org>',
          security: { encrypt: true, signWith: null, recipientKeys: {}, ownKey: null },
        },
        {
          jmap: client,
          mailboxes: { all: [], drafts: { id: 'D' } as never, sent: undefined },
          now: () => new Date(),
          boundarySeed: () => 'b',
          crypto,
        },
      ),
    ).rejects.toMatchObject({ code: 'crypto/failed' });
    expect(uploads).toEqual([]);
  });
});
