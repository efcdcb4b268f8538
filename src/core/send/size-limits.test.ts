import { beforeAll, describe, expect, it } from 'vitest';
import { createCryptoApi } from '../crypto/api';
import type { GeneratedKey } from '../crypto/types';
import type { Identity } from '../jmap/types';
import { prepareMessage } from './send-message';
import { attachmentsWarning, exactSizeProblem, minimumMessageSize, sizeLimitsOf, sizeProblem } from './size-limits';

const MiB = 1024 * 1024;
const none = { upload: null, smtp: null, attachments: null };

describe('sizeLimitsOf', () => {
  it('reads maxSizeUpload, the SMTP SIZE in any case and maxSizeAttachmentsPerEmail', () => {
    // What Cyrus 3.6 with Postfix announces.
    const cyrus = {
      core: { maxSizeUpload: 1073741824 } as never,
      mail: { maxSizeAttachmentsPerEmail: 10485760 },
      submission: { submissionExtensions: { size: ['52428800'], dsn: [] } },
    };
    expect(sizeLimitsOf(cyrus)).toEqual({ upload: 1073741824, smtp: 52428800, attachments: 10485760 });
    expect(sizeLimitsOf({ ...cyrus, submission: { submissionExtensions: { SIZE: ['1000'] } } }).smtp).toBe(1000);
  });

  it('takes no limit from what does not name one', () => {
    const unnamed: Record<string, string[]>[] = [
      { SIZE: ['0'] },
      { SIZE: [] },
      { SIZE: ['12abc'] },
      { SIZE: ['-5'] },
      {},
    ];
    for (const submissionExtensions of unnamed) {
      expect(sizeLimitsOf({ submission: { submissionExtensions } }).smtp).toBeNull();
    }
    const odd = { SIZE: 'nope' } as unknown as Record<string, string[]>;
    expect(sizeLimitsOf({ submission: { submissionExtensions: odd } }).smtp).toBeNull();
    expect(sizeLimitsOf({ core: { maxSizeUpload: -1 } as never, mail: { maxSizeAttachmentsPerEmail: '9' } })).toEqual(
      none,
    );
    expect(sizeLimitsOf({})).toEqual(none);
  });
});

describe('the size checks', () => {
  it('name the tighter hard limit, and only when the message surely passes it', () => {
    const limits = { upload: 100 * MiB, smtp: 50 * MiB, attachments: 10 * MiB };
    expect(sizeProblem(50 * MiB, false, limits)).toBeNull();
    expect(sizeProblem(50 * MiB + 1, true, limits)).toBe(
      'With its attachments this message is at least 50.0 MiB encrypted, and the mail server sends messages of at most 50.0 MiB. Remove attachments to send it.',
    );
    expect(sizeProblem(60 * MiB, false, { ...limits, upload: 45 * MiB })).toContain(
      'the server accepts uploads of at most 45.0 MiB',
    );
    expect(sizeProblem(10 ** 12, false, none)).toBeNull();
    // A draft is only uploaded: the SMTP SIZE does not apply to it.
    expect(sizeProblem(60 * MiB, true, limits, 'draft')).toBeNull();
    expect(sizeProblem(101 * MiB, true, limits, 'draft')).toBe(
      'With its attachments this draft is at least 101.0 MiB encrypted, and the server accepts uploads of at most 100.0 MiB. Remove attachments to save it.',
    );
    expect(exactSizeProblem(50 * MiB, limits)).toBeNull();
    expect(exactSizeProblem(60 * MiB, limits)).toBe(
      'The mail server sends messages of at most 50.0 MiB; this message is 60.0 MiB.',
    );
  });

  it('warn about the advisory attachments limit by what the server will see', () => {
    const limits = { ...none, attachments: 10 * MiB };
    expect(attachmentsWarning([4 * MiB, 6 * MiB], false, limits)).toBeNull();
    expect(attachmentsWarning([4 * MiB, 6 * MiB + 1], false, limits)).toContain('come to 10.0 MiB; the server says');
    // Encrypted, the one attachment the server sees is the armored ciphertext: 6 MiB becomes 11.3 MiB.
    expect(attachmentsWarning([6 * MiB], true, limits)).toContain('come to 11.3 MiB encrypted');
    expect(attachmentsWarning([100 * MiB], false, none)).toBeNull();
  });
});

describe('minimumMessageSize', () => {
  const crypto = createCryptoApi();
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
  type Pair = { alice: GeneratedKey; bob: GeneratedKey };
  const keys: Record<'v4' | 'v6', Pair> = {} as never;
  beforeAll(async () => {
    for (const [version, algorithm] of [
      ['v4', 'curve25519-legacy'],
      ['v6', 'curve25519-v6'],
    ] as const) {
      const make = (email: string) =>
        crypto.generateKey({ name: '', email, passphrase: 'size pass', algorithm, expiresInSeconds: 0 });
      const [alice, bob] = await Promise.all([make('alice@example.org'), make('bob@example.org')]);
      await crypto.unlockKey(alice.armoredSecret, 'size pass', 60_000);
      keys[version] = { alice, bob };
    }
  });

  async function builtSize(fileSizes: number[], encrypt: 'v4' | 'v6' | false): Promise<number> {
    const prepared = await prepareMessage(
      {
        identity,
        to: [{ name: null, address: 'bob@example.org' }],
        cc: [],
        bcc: [],
        subject: 'Size',
        text: 'Hi',
        attachments: fileSizes.map((size, i) => ({
          name: `f${i}.bin`,
          type: 'application/octet-stream',
          content: new Blob([new Uint8Array(size).fill(i + 1)]),
        })),
        messageId: '<size@example.org>',
        ...(encrypt
          ? {
              security: {
                encrypt: true,
                signWith: keys[encrypt].alice.summary.fingerprint,
                recipientKeys: { 'bob@example.org': keys[encrypt].bob.armoredPublic },
                ownKey: { address: 'alice@example.org', armoredPublic: keys[encrypt].alice.armoredPublic },
              },
            }
          : {}),
      },
      { now: () => new Date(), boundarySeed: () => 'b', crypto },
    );
    const bytes = prepared.copies[0]!.bytes;
    return bytes instanceof Blob ? bytes.size : bytes.byteLength;
  }

  // Sizes around the 3-byte groups and the 57-byte (76-column) and 48-byte (64-column) lines.
  const cases = [[0], [1], [2], [3], [56], [57], [58], [47, 48, 49], [100_000], [1_000_003, 5], [3 * MiB]];

  it.each(cases.flatMap((sizes) => (['v4', 'v6', false] as const).map((encrypt) => ({ sizes, encrypt }))))(
    'is never above the built message, and close to it: $sizes, encrypted to $encrypt keys',
    async ({ sizes, encrypt }) => {
      const minimum = minimumMessageSize(sizes, encrypt !== false);
      const built = await builtSize(sizes, encrypt);
      expect(minimum).toBeLessThanOrEqual(built);
      // What it leaves out is headers, text, keys and packet framing: a few KiB, whatever the files weigh.
      expect(built - minimum).toBeLessThan(8 * 1024);
    },
    30_000,
  );
});
