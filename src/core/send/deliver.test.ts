import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { JmapClient } from '../jmap/client';
import type { AccountMailboxes } from '../jmap/account-setup';
import type { Invocation } from '../jmap/types';
import { AppError } from '../errors/app-error';
import { deliverMessage, type PreparedMessage, releasePrepared } from './deliver';

const released = vi.hoisted(() => [] as string[][]);
vi.mock('../bytes/spool', () => ({ releaseSpools: async (names: string[]) => void released.push([...names]) }));

/** A server on which the uploads numbered in `failing` fail as a lost connection does. */
function server(failing: number[]) {
  let uploads = 0;
  return {
    session: { accountId: 'A', core: {} } as JmapClient['session'],
    upload: async () => {
      if (failing.includes(++uploads)) throw new AppError('jmap/unreachable', 'connection lost');
      return { accountId: 'A', blobId: `B${uploads}`, type: 'message/rfc822', size: 1 };
    },
    request: async (req: { methodCalls: Invocation[] }) => {
      const [name] = req.methodCalls[0]!;
      const response: Invocation =
        name === 'Email/import'
          ? ['Email/import', { created: { draft: { id: `M${uploads}` } } }, 'import']
          : ['EmailSubmission/set', { created: { send: { id: `S${uploads}`, undoStatus: 'final' } } }, 'submit'];
      return { sessionState: 's', methodResponses: [response] };
    },
  } as unknown as JmapClient;
}

const mailboxes = {
  drafts: { id: 'D', role: 'drafts' },
  sent: { id: 'S', role: 'sent' },
  all: [],
} as unknown as AccountMailboxes;
const copy = (spool: string) => ({
  bytes: new Blob(['message']),
  envelope: { mailFrom: 'alice@example.org', rcptTo: ['bob@example.org'] },
  keepInSent: true,
  spools: [spool],
});

beforeEach(() => void (released.length = 0));

describe('spool files of a prepared message', () => {
  it('stay while a copy may be sent again, and go once it is submitted', async () => {
    const prepared: PreparedMessage = { identityId: 'I', messageId: '<m@x>', copies: [copy('one'), copy('two')] };
    const jmap = server([1, 3]);
    await expect(deliverMessage(prepared, { jmap, mailboxes })).rejects.toThrow('connection lost');
    expect(released).toEqual([]);
    // The first copy goes through on the retry; the second upload fails again.
    await expect(deliverMessage(prepared, { jmap, mailboxes })).rejects.toThrow('connection lost');
    expect(released).toEqual([['one']]);
    expect(prepared.copies[0]!.spools).toBeUndefined();
    expect(prepared.copies[1]!.spools).toEqual(['two']);
    // Given up (the composer dropped it): what is left goes, and only that.
    releasePrepared(prepared);
    expect(released).toEqual([['one'], ['two']]);
    releasePrepared(prepared);
    expect(released).toHaveLength(2);
  });
});

describe('the exact size of a built message', () => {
  it('is checked against the SMTP SIZE before the upload: nothing goes to the server, and the copy stays', async () => {
    let uploads = 0;
    const jmap = {
      session: {
        accountId: 'A',
        core: { maxSizeUpload: 1000 },
        mail: {},
        submission: { submissionExtensions: { size: ['6'] } },
      },
      upload: async () => ({ accountId: 'A', blobId: `B${++uploads}`, type: 'message/rfc822', size: 7 }),
      request: async () => {
        throw new Error('no request expected');
      },
    } as unknown as JmapClient;
    const prepared: PreparedMessage = { identityId: 'I', messageId: '<m@x>', copies: [copy('big')] };
    await expect(deliverMessage(prepared, { jmap, mailboxes })).rejects.toMatchObject({
      code: 'jmap/too-large',
      detail: 'The mail server sends messages of at most 6 bytes; this message is 7 bytes.',
    });
    expect(uploads).toBe(0);
    expect(prepared.copies[0]!.spools).toEqual(['big']);
    // At the limit it goes.
    (jmap.session.submission.submissionExtensions as Record<string, string[]>).size = ['7'];
    await expect(deliverMessage(prepared, { jmap, mailboxes })).rejects.toThrow('no request expected');
    expect(uploads).toBe(1);
  });
});
