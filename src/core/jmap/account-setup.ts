import { getMethodResponse, type JmapClient } from './client';
import { type Identity, type Mailbox, SEND_USING } from './types';

export type AccountMailboxes = {
  drafts: Mailbox | undefined;
  sent: Mailbox | undefined;
  inbox?: Mailbox | undefined;
  trash?: Mailbox | undefined;
  all: Mailbox[];
};

export type AccountSetup = { mailboxes: AccountMailboxes; identities: Identity[] };

/** Mailboxes (for the drafts and sent roles) and identities, in one request. */
export async function loadAccountSetup(client: JmapClient, signal?: AbortSignal): Promise<AccountSetup> {
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
      inbox: mailboxes.find((m) => m.role === 'inbox'),
      trash: mailboxes.find((m) => m.role === 'trash'),
    },
    identities,
  };
}
