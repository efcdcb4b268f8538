import { AppError } from '../errors/app-error';
import { getMethodResponse, type JmapClient, JmapMethodError } from './client';
import type { AccountMailboxes } from './account-setup';
import { CAPABILITY, type Email, type Id, type Mailbox } from './types';

const MAIL_USING = [CAPABILITY.core, CAPABILITY.mail];

export type SentEmail = Pick<
  Email,
  | 'id'
  | 'blobId'
  | 'subject'
  | 'from'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'sentAt'
  | 'receivedAt'
  | 'size'
  | 'preview'
  | 'hasAttachment'
  | 'keywords'
  | 'header:Content-Type:asRaw'
>;

const LIST_PROPERTIES = [
  'id',
  'blobId',
  'subject',
  'from',
  'to',
  'cc',
  'bcc',
  'sentAt',
  'receivedAt',
  'size',
  'preview',
  'hasAttachment',
  'keywords',
  'header:Content-Type:asRaw',
];

/** How a listed message is protected, as far as its top-level Content-Type says (before it is opened). */
export function listedProtection(email: Pick<SentEmail, 'header:Content-Type:asRaw'>): 'encrypted' | 'signed' | null {
  const type = email['header:Content-Type:asRaw']?.trim().toLowerCase() ?? '';
  if (type.startsWith('multipart/encrypted')) return 'encrypted';
  if (type.startsWith('multipart/signed')) return 'signed';
  return null;
}

/** One page of a mailbox, newest first. */
export async function listMailbox(
  client: JmapClient,
  options: { mailboxId: Id; limit?: number; position?: number; signal?: AbortSignal },
): Promise<{ emails: SentEmail[]; total: number | undefined; state: string | undefined; position: number }> {
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
            position: options.position ?? 0,
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
            properties: LIST_PROPERTIES,
          },
          'g',
        ],
      ],
    },
    options.signal,
  );
  const query = getMethodResponse<{ ids: Id[]; total?: number; position?: number }>(
    methodResponses,
    'Email/query',
    'q',
  );
  const got = getMethodResponse<{ list: SentEmail[]; state?: string }>(methodResponses, 'Email/get', 'g');
  const byId = new Map(got.list.map((e) => [e.id, e]));
  return {
    emails: query.ids.map((id) => byId.get(id)).filter((e): e is SentEmail => !!e),
    total: query.total,
    state: got.state,
    position: query.position ?? options.position ?? 0,
  };
}

/** The account's current Email state string: it changes whenever any message does (RFC 8620 §5.1). */
export async function emailState(client: JmapClient, signal?: AbortSignal): Promise<string | undefined> {
  const { methodResponses } = await client.request(
    { using: MAIL_USING, methodCalls: [['Email/get', { accountId: client.session.accountId, ids: [] }, 's']] },
    signal,
  );
  return getMethodResponse<{ state?: string }>(methodResponses, 'Email/get', 's').state;
}

/**
 * Whether any email changed since `since` (RFC 8620 §5.2 Email/changes), and the state to ask
 * from next time, in one request. Without `since` only the current state is read. A server that
 * cannot calculate changes (or lacks Email/changes) is judged by whether the state moved.
 */
export async function emailChangesSince(
  client: JmapClient,
  since: string | undefined,
  signal?: AbortSignal,
): Promise<{ state: string | undefined; changed: boolean }> {
  if (since === undefined) return { state: await emailState(client, signal), changed: false };
  const accountId = client.session.accountId;
  const { methodResponses } = await client.request(
    {
      using: MAIL_USING,
      methodCalls: [
        ['Email/changes', { accountId, sinceState: since, maxChanges: 256 }, 'c'],
        ['Email/get', { accountId, ids: [] }, 's'],
      ],
    },
    signal,
  );
  const current = getMethodResponse<{ state?: string }>(methodResponses, 'Email/get', 's').state;
  try {
    const r = getMethodResponse<{ created: Id[]; updated: Id[]; destroyed: Id[]; hasMoreChanges: boolean }>(
      methodResponses,
      'Email/changes',
      'c',
    );
    const changed = r.created.length + r.updated.length + r.destroyed.length > 0 || r.hasMoreChanges;
    // Changes past maxChanges are caught up by reading the lists again from the current state.
    return { state: current, changed };
  } catch (e) {
    if (!(e instanceof JmapMethodError)) throw e;
    return { state: current, changed: current !== since };
  }
}

/** Set or clear keywords on one email, e.g. `{ $seen: true }` or `{ $answered: true }`. */
export async function setKeywords(client: JmapClient, id: Id, keywords: Record<string, boolean>): Promise<void> {
  const patch = Object.fromEntries(Object.entries(keywords).map(([k, v]) => [`keywords/${k}`, v ? true : null]));
  const { methodResponses } = await client.request({
    using: MAIL_USING,
    methodCalls: [['Email/set', { accountId: client.session.accountId, update: { [id]: patch } }, 'k']],
  });
  const result = getMethodResponse<{ notUpdated?: Record<Id, { type: string; description?: string }> }>(
    methodResponses,
    'Email/set',
    'k',
  );
  const failure = result.notUpdated?.[id];
  if (failure)
    throw new AppError('jmap/method-error', `Could not update ${id}: ${failure.description ?? failure.type}`, {
      jmapErrorType: failure.type,
    });
}

/** Move to the Trash mailbox when there is one (and the message is not in it yet); else destroy. */
export async function deleteEmail(
  client: JmapClient,
  id: Id,
  mailboxes: AccountMailboxes & { trash?: Mailbox },
): Promise<void> {
  const trash = mailboxes.trash;
  const { methodResponses } = await client.request({
    using: MAIL_USING,
    methodCalls: [
      [
        'Email/set',
        trash
          ? { accountId: client.session.accountId, update: { [id]: { mailboxIds: { [trash.id]: true } } } }
          : { accountId: client.session.accountId, destroy: [id] },
        'd',
      ],
    ],
  });
  const result = getMethodResponse<{
    notUpdated?: Record<Id, { type: string }>;
    notDestroyed?: Record<Id, { type: string }>;
  }>(methodResponses, 'Email/set', 'd');
  const failure = result.notUpdated?.[id] ?? result.notDestroyed?.[id];
  if (failure)
    throw new AppError('jmap/method-error', `Could not delete ${id}: ${failure.type}`, { jmapErrorType: failure.type });
}

/** Destroy emails (e.g. the Drafts copy of a submission the server refused). */
export async function destroyEmails(client: JmapClient, ids: Id[], signal?: AbortSignal): Promise<void> {
  const { methodResponses } = await client.request(
    { using: MAIL_USING, methodCalls: [['Email/set', { accountId: client.session.accountId, destroy: ids }, 'd']] },
    signal,
  );
  getMethodResponse(methodResponses, 'Email/set', 'd');
}
