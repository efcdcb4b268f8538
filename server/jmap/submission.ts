import addrs from 'email-addresses';
import { findAccountForAddress, localDomains } from './accounts';
import { blobInfo, editedBlobFile, grantBlob, readBlob, type BlobFile } from './blobs';
import type { Db } from './db';
import { applyEmailChanges, emailSetResponse, insertEmail, loadEmails, storedSummary } from './emails';
import { newId, nowIso } from './ids';
import {
  bccEdit,
  HEADER_SECTION_LIMIT,
  headerFields,
  summarize,
  SUMMARY_READ,
  type EmailSummary,
} from './message-parse';
import {
  type Args,
  isRecord,
  MethodError,
  type MethodContext,
  requireAccount,
  resolveCreationRef,
  standardGet,
} from './method-kit';
import { bumpState, getState } from './state';

type Envelope = {
  mailFrom: { email: string; parameters: Args | null };
  rcptTo: { email: string; parameters: Args | null }[];
};
type IdentityRow = { id: string; email: string };
type SubmissionRow = {
  id: string;
  identity_id: string;
  email_id: string;
  thread_id: string;
  envelope: string;
  send_at: string;
  undo_status: string;
  delivery_status: string;
};

class SetError extends Error {
  constructor(readonly args: Args) {
    super(String(args.type));
  }
}
const setError = (type: string, extra: Args = {}) => new SetError({ type, ...extra });

const identityAllows = (identityEmail: string, address: string) => {
  const id = identityEmail.toLowerCase();
  const a = address.toLowerCase();
  return id.startsWith('*@') ? a.endsWith(id.slice(1)) : a === id;
};

/** Every address of one header field, or null when the field does not parse as an address list. */
function fieldAddresses(value: string): string[] | null {
  const list = addrs.parseAddressList({ input: value, rfc6532: true });
  if (!list) return null;
  return list.flatMap((entry) => (entry.type === 'group' ? entry.addresses : [entry])).map((m) => m.address);
}

/**
 * RFC 8621 §7.5 forbiddenFrom, read from the message bytes themselves (a parser that keeps only
 * the last From field, or its first address, could be fooled): exactly one From field; each of its
 * addresses, and each Sender address, an identity of the account; the identity used among them.
 */
function checkFromAndSender(bytes: Uint8Array, identityEmail: string, accountIdentities: string[]): void {
  const ownAddress = (a: string) => accountIdentities.some((i) => identityAllows(i, a));
  const from = headerFields(bytes, 'from');
  if (from.length !== 1) {
    throw setError('invalidEmail', {
      properties: ['from'],
      description: from.length
        ? `The message has ${from.length} From header fields; exactly one is allowed`
        : 'The message has no From address',
    });
  }
  const sender = headerFields(bytes, 'sender');
  if (sender.length > 1)
    throw setError('invalidEmail', { properties: ['sender'], description: 'More than one Sender header field' });
  const fromAddresses = fieldAddresses(from[0]!);
  if (!fromAddresses?.length)
    throw setError('invalidEmail', { properties: ['from'], description: 'The From field is not a valid address list' });
  const senderAddresses = sender.length ? fieldAddresses(sender[0]!) : [];
  if (!senderAddresses)
    throw setError('invalidEmail', { properties: ['sender'], description: 'The Sender field is not a valid address' });
  const foreign = [...fromAddresses, ...senderAddresses].filter((a) => !ownAddress(a));
  if (foreign.length || !fromAddresses.some((a) => identityAllows(identityEmail, a))) {
    throw setError('forbiddenFrom', {
      description: `${(foreign.length ? foreign : fromAddresses).join(', ')} may not be used with identity ${identityEmail}`,
    });
  }
}

const isMailbox = (address: string) => {
  const parsed = addrs.parseOneAddress({ input: address, rfc6532: true });
  return (
    !!parsed &&
    parsed.type === 'mailbox' &&
    parsed.name === null &&
    parsed.address === address &&
    parsed.domain.includes('.')
  );
};

function parseEnvelope(value: unknown): Envelope {
  const bad = () => setError('invalidProperties', { properties: ['envelope'], description: 'Malformed envelope' });
  if (
    !isRecord(value) ||
    !isRecord(value.mailFrom) ||
    typeof value.mailFrom.email !== 'string' ||
    !Array.isArray(value.rcptTo)
  )
    throw bad();
  const rcptTo = value.rcptTo.map((r: unknown) => {
    if (!isRecord(r) || typeof r.email !== 'string') throw bad();
    return { email: r.email, parameters: isRecord(r.parameters) ? r.parameters : null };
  });
  return {
    mailFrom: {
      email: value.mailFrom.email,
      parameters: isRecord(value.mailFrom.parameters) ? value.mailFrom.parameters : null,
    },
    rcptTo,
  };
}

/** RFC 8621 §7.5: without an envelope, derive it from the message headers. */
function deriveEnvelope(summary: EmailSummary, identity: IdentityRow): Envelope {
  const mailFrom = summary.sender?.[0]?.email ?? (summary.from?.length === 1 ? summary.from[0]!.email : identity.email);
  const seen = new Set<string>();
  const rcptTo = [...(summary.to ?? []), ...(summary.cc ?? []), ...(summary.bcc ?? [])]
    .map((a) => a.email)
    .filter((e) => (seen.has(e.toLowerCase()) ? false : (seen.add(e.toLowerCase()), true)))
    .map((email) => ({ email, parameters: null }));
  return { mailFrom: { email: mailFrom, parameters: null }, rcptTo };
}

type Prepared = {
  identity: IdentityRow;
  emailId: string;
  threadId: string;
  envelope: Envelope;
  /** What recipients get: the message without Bcc fields (the stored file itself when it has none). */
  copy: BlobFile;
  summary: EmailSummary;
};

async function prepare(ctx: MethodContext, spec: unknown): Promise<Prepared> {
  const { db, account, limits } = ctx;
  if (!isRecord(spec)) throw setError('invalidProperties', { description: 'Not an object' });
  for (const serverSet of ['id', 'threadId', 'sendAt', 'undoStatus', 'deliveryStatus', 'dsnBlobIds', 'mdnBlobIds']) {
    if (serverSet in spec)
      throw setError('invalidProperties', {
        properties: [serverSet],
        description: `${serverSet} is set by the server`,
      });
  }
  const identityId = typeof spec.identityId === 'string' ? resolveCreationRef(spec.identityId, ctx) : undefined;
  const identity = identityId
    ? (db.prepare('SELECT id, email FROM identities WHERE id = ? AND account_id = ?').get(identityId, account.id) as
        IdentityRow | undefined)
    : undefined;
  if (!identity) throw setError('invalidProperties', { properties: ['identityId'], description: 'No such identity' });
  const emailId = typeof spec.emailId === 'string' ? resolveCreationRef(spec.emailId, ctx) : undefined;
  const email = emailId ? loadEmails(db, account.id, [emailId])[0] : undefined;
  if (!email)
    throw setError('invalidProperties', { properties: ['emailId'], description: 'No such email (was it imported?)' });
  if (!account.may_send) throw setError('forbiddenToSend', { description: 'Sending is suspended for this account.' });
  const blob = blobInfo(db, account.id, email.blobId);
  if (!blob) throw setError('invalidEmail', { properties: ['blobId'], description: 'The message content is missing' });
  if (blob.size > limits.maxMessageSize) throw setError('tooLarge', { maxSize: limits.maxMessageSize });
  // Only the start of the message is read: its header section, and the summary's first part.
  const head = readBlob(db, account.id, blob.id, HEADER_SECTION_LIMIT)!;
  const summary =
    storedSummary(db, account.id, email.id) ?? (await summarize(readBlob(db, account.id, blob.id, SUMMARY_READ)!));
  const identities = db.prepare('SELECT email FROM identities WHERE account_id = ?').all(account.id) as {
    email: string;
  }[];
  checkFromAndSender(
    head,
    identity.email,
    identities.map((i) => i.email),
  );
  const envelope =
    spec.envelope === undefined || spec.envelope === null
      ? deriveEnvelope(summary, identity)
      : parseEnvelope(spec.envelope);
  if (!identities.some((i) => identityAllows(i.email, envelope.mailFrom.email))) {
    throw setError('forbiddenMailFrom', {
      description: `${envelope.mailFrom.email} is not an address of this account`,
    });
  }
  if (envelope.rcptTo.length === 0) throw setError('noRecipients');
  if (envelope.rcptTo.length > limits.maxRecipients)
    throw setError('tooManyRecipients', { maxRecipients: limits.maxRecipients });
  const domains = localDomains(db);
  const invalid = envelope.rcptTo
    .map((r) => r.email)
    .filter(
      (e) =>
        !isMailbox(e) || (domains.has(e.slice(e.lastIndexOf('@') + 1).toLowerCase()) && !findAccountForAddress(db, e)),
    );
  if (invalid.length) {
    throw setError('invalidRecipients', {
      invalidRecipients: invalid,
      description: 'No such mailbox here, or not a valid address',
    });
  }
  let edit: ReturnType<typeof bccEdit>;
  try {
    edit = bccEdit(head, blob.size <= head.length);
  } catch {
    // A header section longer than was read: read the whole message for it.
    edit = bccEdit(readBlob(db, account.id, blob.id)!, true);
  }
  const copy = await editedBlobFile(db, account.id, blob.id, edit);
  return { identity, emailId: email.id, threadId: email.threadId, envelope, copy, summary };
}

/** Deliver to local mailboxes (each account once) and queue everything else in the outbox. */
function deliver(db: Db, fromAccountId: string, submissionId: string, p: Prepared): Record<string, Args> {
  const status: Record<string, Args> = {};
  const delivered = new Set<string>();
  for (const { email } of p.envelope.rcptTo) {
    const target = findAccountForAddress(db, email);
    if (target) {
      if (!delivered.has(target.id)) {
        delivered.add(target.id);
        const inbox = db.prepare("SELECT id FROM mailboxes WHERE account_id = ? AND role = 'inbox'").get(target.id) as {
          id: string;
        };
        const blob = grantBlob(db, target.id, p.copy, 'message/rfc822');
        insertEmail(db, {
          accountId: target.id,
          blobId: blob.id,
          size: blob.size,
          summary: { ...p.summary, bcc: null },
          mailboxIds: [inbox.id],
          keywords: {},
        });
      }
      status[email] = { smtpReply: '250 2.0.0 Delivered to local mailbox', delivered: 'yes', displayed: 'unknown' };
    } else {
      db.prepare(
        'INSERT INTO outbox (account_id, submission_id, mail_from, rcpt_to, message, blob_file, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(fromAccountId, submissionId, p.envelope.mailFrom.email, email, Buffer.alloc(0), p.copy.file, nowIso());
      status[email] = {
        smtpReply: '250 2.0.0 Queued in the outbox (this server relays nothing)',
        delivered: 'queued',
        displayed: 'unknown',
      };
    }
  }
  return status;
}

function toSubmission(row: SubmissionRow) {
  return {
    id: row.id,
    identityId: row.identity_id,
    emailId: row.email_id,
    threadId: row.thread_id,
    envelope: JSON.parse(row.envelope) as Envelope,
    sendAt: row.send_at,
    undoStatus: row.undo_status,
    deliveryStatus: JSON.parse(row.delivery_status) as Args,
    dsnBlobIds: [],
    mdnBlobIds: [],
  };
}

const loadSubmissions = (ctx: MethodContext, ids?: string[]) =>
  (
    ctx.db
      .prepare('SELECT * FROM submissions WHERE account_id = ? ORDER BY send_at DESC')
      .all(ctx.account.id) as SubmissionRow[]
  )
    .filter((r) => !ids || ids.includes(r.id))
    .map(toSubmission);

export function emailSubmissionGet(args: Args, ctx: MethodContext): [string, Args][] {
  const { list, notFound } = standardGet(args, ctx, {
    all: () => loadSubmissions(ctx),
    byIds: (ids) => loadSubmissions(ctx, ids),
    properties: [
      'id',
      'identityId',
      'emailId',
      'threadId',
      'envelope',
      'sendAt',
      'undoStatus',
      'deliveryStatus',
      'dsnBlobIds',
      'mdnBlobIds',
    ],
  });
  return [
    [
      'EmailSubmission/get',
      { accountId: ctx.account.id, state: getState(ctx.db, ctx.account.id, 'EmailSubmission'), list, notFound },
    ],
  ];
}

/** EmailSubmission/set (RFC 8621 §7.5), with the implicit Email/set for onSuccess* arguments. */
export async function emailSubmissionSet(args: Args, ctx: MethodContext): Promise<[string, Args][]> {
  requireAccount(args, ctx);
  const { db } = ctx;
  const accountId = ctx.account.id;
  const oldState = getState(db, accountId, 'EmailSubmission');
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== oldState)
    throw new MethodError('stateMismatch');
  const create = isRecord(args.create) ? args.create : {};
  const update = isRecord(args.update) ? args.update : {};
  const destroy = Array.isArray(args.destroy) ? args.destroy.filter((d): d is string => typeof d === 'string') : [];
  for (const k of ['onSuccessUpdateEmail', 'onSuccessDestroyEmail'] as const) {
    if (
      args[k] !== undefined &&
      args[k] !== null &&
      (k === 'onSuccessUpdateEmail' ? !isRecord(args[k]) : !Array.isArray(args[k]))
    ) {
      throw new MethodError('invalidArguments', `${k} has the wrong type`);
    }
  }
  const created: Record<string, Args> = {};
  const notCreated: Record<string, Args> = {};
  const succeeded = new Map<string, string>(); // "#cid" or id -> emailId
  for (const [cid, spec] of Object.entries(create)) {
    try {
      const p = await prepare(ctx, spec);
      const id = newId('S');
      const sendAt = nowIso();
      db.transaction(() => {
        const deliveryStatus = deliver(db, accountId, id, p);
        db.prepare(
          'INSERT INTO submissions (id, account_id, identity_id, email_id, thread_id, envelope, send_at, undo_status, delivery_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          id,
          accountId,
          p.identity.id,
          p.emailId,
          p.threadId,
          JSON.stringify(p.envelope),
          sendAt,
          'final',
          JSON.stringify(deliveryStatus),
        );
        bumpState(db, accountId, 'EmailSubmission');
      })();
      ctx.createdIds.set(cid, id);
      succeeded.set(`#${cid}`, p.emailId);
      created[cid] = { id, threadId: p.threadId, sendAt, undoStatus: 'final' };
    } catch (e) {
      if (e instanceof SetError) notCreated[cid] = e.args;
      else throw e;
    }
  }
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, Args> = {};
  for (const [id, patch] of Object.entries(update)) {
    const [sub] = loadSubmissions(ctx, [id]);
    if (!sub) notUpdated[id] = { type: 'notFound' };
    else if (isRecord(patch) && patch.undoStatus === 'canceled')
      notUpdated[id] = { type: 'cannotUnsend', description: 'The message was already sent' };
    else if (isRecord(patch) && Object.keys(patch).length === 0) {
      updated[id] = null;
      succeeded.set(id, sub.emailId);
    } else notUpdated[id] = { type: 'invalidProperties', description: 'Only undoStatus can be changed' };
  }
  const destroyed: string[] = [];
  const notDestroyed: Record<string, Args> = {};
  for (const id of destroy) {
    const [sub] = loadSubmissions(ctx, [id]);
    if (!sub) {
      notDestroyed[id] = { type: 'notFound' };
      continue;
    }
    db.prepare('DELETE FROM submissions WHERE id = ?').run(id);
    bumpState(db, accountId, 'EmailSubmission');
    destroyed.push(id);
    succeeded.set(id, sub.emailId);
  }
  const responses: [string, Args][] = [
    [
      'EmailSubmission/set',
      {
        accountId,
        oldState,
        newState: getState(db, accountId, 'EmailSubmission'),
        created: Object.keys(created).length ? created : null,
        notCreated: Object.keys(notCreated).length ? notCreated : null,
        updated: Object.keys(updated).length ? updated : null,
        notUpdated: Object.keys(notUpdated).length ? notUpdated : null,
        destroyed: destroyed.length ? destroyed : null,
        notDestroyed: Object.keys(notDestroyed).length ? notDestroyed : null,
      },
    ],
  ];
  const onUpdate = isRecord(args.onSuccessUpdateEmail) ? args.onSuccessUpdateEmail : {};
  const onDestroy = Array.isArray(args.onSuccessDestroyEmail) ? args.onSuccessDestroyEmail : [];
  if (Object.keys(onUpdate).length || onDestroy.length) {
    const emailUpdate: Record<string, unknown> = {};
    for (const [key, patch] of Object.entries(onUpdate)) {
      const emailId = succeeded.get(key);
      if (emailId) emailUpdate[emailId] = patch;
    }
    const emailDestroy = onDestroy.map((key) => succeeded.get(String(key))).filter((id): id is string => !!id);
    const emailOld = getState(db, accountId, 'Email');
    const outcome = applyEmailChanges(ctx, emailUpdate, emailDestroy);
    responses.push(['Email/set', emailSetResponse(accountId, emailOld, getState(db, accountId, 'Email'), outcome)]);
  }
  return responses;
}

/** RFC 8621 §7.3: filter by identityIds, emailIds, threadIds, undoStatus, before/after (sendAt); sort by emailId, threadId or sentAt. */
export function emailSubmissionQuery(args: Args, ctx: MethodContext): [string, Args][] {
  requireAccount(args, ctx);
  const filter = args.filter ?? null;
  if (filter !== null && !isRecord(filter))
    throw new MethodError('invalidArguments', 'filter must be an object or null');
  const list = (name: string) => (filter && Array.isArray(filter[name]) ? (filter[name] as string[]) : null);
  const time = (name: string) => {
    const value = filter?.[name];
    if (value === undefined) return null;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      throw new MethodError('invalidArguments', `${name} must be a UTCDate`);
    return Date.parse(value);
  };
  const [identityIds, emailIds, threadIds, before, after] = [
    list('identityIds'),
    list('emailIds'),
    list('threadIds'),
    time('before'),
    time('after'),
  ];
  const undoStatus = typeof filter?.undoStatus === 'string' ? filter.undoStatus : null;
  const sortKeys: Record<string, (s: ReturnType<typeof toSubmission>) => string> = {
    emailId: (s) => s.emailId,
    threadId: (s) => s.threadId,
    sentAt: (s) => s.sendAt,
  };
  const sort = (Array.isArray(args.sort) ? args.sort : [{ property: 'sentAt', isAscending: false }]) as unknown[];
  const comparators = sort.map((c) => {
    if (!isRecord(c) || typeof c.property !== 'string') throw new MethodError('invalidArguments', 'Bad Comparator');
    const key = sortKeys[c.property];
    if (!key) throw new MethodError('unsupportedSort', `Sorting by ${c.property} is not supported`);
    return { key, dir: c.isAscending === false ? -1 : 1 };
  });
  const found = loadSubmissions(ctx).filter((s) => {
    const at = Date.parse(s.sendAt);
    return (
      (!identityIds || identityIds.includes(s.identityId)) &&
      (!emailIds || emailIds.includes(s.emailId)) &&
      (!threadIds || threadIds.includes(s.threadId)) &&
      (!undoStatus || s.undoStatus === undoStatus) &&
      (before === null || at < before) &&
      (after === null || at >= after)
    );
  });
  found.sort((a, b) => {
    for (const { key, dir } of comparators) {
      const x = key(a),
        y = key(b);
      if (x !== y) return x < y ? -dir : dir;
    }
    return a.id < b.id ? -1 : 1;
  });
  const limit = Number.isInteger(args.limit) ? (args.limit as number) : undefined;
  const ids = found.map((s) => s.id).slice(0, limit);
  return [
    [
      'EmailSubmission/query',
      {
        accountId: ctx.account.id,
        queryState: getState(ctx.db, ctx.account.id, 'EmailSubmission'),
        canCalculateChanges: false,
        position: 0,
        ids,
        total: found.length,
        ...(limit !== undefined ? { limit } : {}),
      },
    ],
  ];
}
