import { getMethodResponse, type JmapClient } from './client';
import { CAPABILITY, type Email, type Id, type Identity, type Mailbox, SEND_USING } from './types';

const MAIL_USING = [CAPABILITY.core, CAPABILITY.mail];

export type AccountMailboxes = { drafts: Mailbox | undefined; sent: Mailbox | undefined; all: Mailbox[] };

/** Mailboxes (for the drafts and sent roles) and identities, in one request. */
export async function loadAccountSetup(client: JmapClient, signal?: AbortSignal) {
  const accountId = client.session.accountId;
  const { methodResponses } = await client.request(
    {
      using: SEND_USING,
      methodCalls: [
        ['Mailbox/get', { accountId, ids: null, properties: ['id', 'name', 'role', 'parentId', 'sortOrder'] }, 'm'],
        ['Identity/get', { accountId, ids: null }, 'i'],
      ],
    },
    signal,
  );
  const mailboxes = getMethodResponse<{ list: Mailbox[] }>(methodResponses, 'Mailbox/get', 'm').list;
  const identities = getMethodResponse<{ list: Identity[] }>(methodResponses, 'Identity/get', 'i').list;
  return {
    mailboxes: {
      all: mailboxes,
      drafts: mailboxes.find((m) => m.role === 'drafts'),
      sent: mailboxes.find((m) => m.role === 'sent'),
    } satisfies AccountMailboxes,
    identities,
  };
}

export type SentEmail = Pick<
  Email,
  'id' | 'blobId' | 'subject' | 'to' | 'cc' | 'bcc' | 'sentAt' | 'receivedAt' | 'size' | 'preview' | 'hasAttachment'
>;

/** The newest emails in a mailbox, newest first. */
export async function listMailbox(
  client: JmapClient,
  options: { mailboxId: Id; limit?: number; signal?: AbortSignal },
): Promise<{ emails: SentEmail[]; total: number | undefined }> {
  const { accountId } = client.session;
  const { methodResponses } = await client.request(
    {
      using: MAIL_USING,
      methodCalls: [
        [
          'Email/query',
          {
            accountId,
            filter: { inMailbox: options.mailboxId },
            sort: [{ property: 'receivedAt', isAscending: false }],
            limit: options.limit ?? 50,
            calculateTotal: true,
          },
          'q',
        ],
        [
          'Email/get',
          {
            accountId,
            '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
            properties: [
              'id',
              'blobId',
              'subject',
              'to',
              'cc',
              'bcc',
              'sentAt',
              'receivedAt',
              'size',
              'preview',
              'hasAttachment',
            ],
          },
          'g',
        ],
      ],
    },
    options.signal,
  );
  const query = getMethodResponse<{ ids: Id[]; total?: number }>(methodResponses, 'Email/query', 'q');
  const got = getMethodResponse<{ list: SentEmail[] }>(methodResponses, 'Email/get', 'g');
  const byId = new Map(got.list.map((e) => [e.id, e]));
  return { emails: query.ids.map((id) => byId.get(id)).filter((e): e is SentEmail => !!e), total: query.total };
}

/** Destroy emails (e.g. the Drafts copy of a submission the server refused). */
export async function destroyEmails(client: JmapClient, ids: Id[], signal?: AbortSignal): Promise<void> {
  const { methodResponses } = await client.request(
    { using: MAIL_USING, methodCalls: [['Email/set', { accountId: client.session.accountId, destroy: ids }, 'd']] },
    signal,
  );
  getMethodResponse(methodResponses, 'Email/set', 'd');
}
