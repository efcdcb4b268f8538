import type { Db } from './db';
import { newId, nowIso } from './ids';
import type { EmailSummary } from './message-parse';
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

type EmailRow = {
  id: string;
  account_id: string;
  blob_id: string;
  thread_id: string;
  received_at: string;
  size: number;
  keywords: string;
  summary: string;
  message_id: string | null;
};

export type EmailObject = Omit<EmailSummary, 'searchText'> & {
  id: string;
  blobId: string;
  threadId: string;
  mailboxIds: Record<string, true>;
  keywords: Record<string, true>;
  size: number;
  receivedAt: string;
};

export const EMAIL_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'header:Content-Type:asRaw',
  'sentAt',
  'hasAttachment',
  'preview',
] as const;

function toEmail(db: Db, row: EmailRow): EmailObject & { searchText: string } {
  const mailboxIds: Record<string, true> = {};
  for (const { mailbox_id } of db.prepare('SELECT mailbox_id FROM email_mailboxes WHERE email_id = ?').all(row.id) as {
    mailbox_id: string;
  }[]) {
    mailboxIds[mailbox_id] = true;
  }
  return {
    ...(JSON.parse(row.summary) as EmailSummary),
    id: row.id,
    blobId: row.blob_id,
    threadId: row.thread_id,
    mailboxIds,
    keywords: JSON.parse(row.keywords) as Record<string, true>,
    size: row.size,
    receivedAt: row.received_at,
  };
}

export function loadEmails(db: Db, accountId: string, ids?: string[]): (EmailObject & { searchText: string })[] {
  const rows = ids
    ? ids
        .map(
          (id) =>
            db.prepare('SELECT * FROM emails WHERE id = ? AND account_id = ?').get(id, accountId) as
              EmailRow | undefined,
        )
        .filter((r): r is EmailRow => !!r)
    : (db
        .prepare('SELECT * FROM emails WHERE account_id = ? ORDER BY received_at DESC, id')
        .all(accountId) as EmailRow[]);
  return rows.map((r) => toEmail(db, r));
}

export const mailboxExists = (db: Db, accountId: string, id: string): boolean =>
  !!db.prepare('SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?').get(id, accountId);

// RFC 8621 §4.1.1: keywords are 1-255 chars of %x21-%x7E except ( ) { ] % * " \
const KEYWORD = /^[\x21-\x7e]{1,255}$/;
const validKeyword = (k: string) => KEYWORD.test(k) && !/[(){\]%*"\\]/.test(k);

function threadFor(db: Db, accountId: string, summary: EmailSummary): string {
  const related = [...(summary.inReplyTo ?? []), ...(summary.references ?? [])];
  for (const id of related) {
    const row = db
      .prepare('SELECT thread_id FROM emails WHERE account_id = ? AND message_id = ?')
      .get(accountId, id) as { thread_id: string } | undefined;
    if (row) return row.thread_id;
  }
  return newId('T');
}

/** Store a parsed message as an Email in the given mailboxes. Caller runs it inside a transaction. */
export function insertEmail(
  db: Db,
  input: {
    accountId: string;
    blobId: string;
    size: number;
    summary: EmailSummary;
    mailboxIds: string[];
    keywords: Record<string, true>;
    receivedAt?: string;
  },
): { id: string; threadId: string } {
  const id = newId('M');
  const threadId = threadFor(db, input.accountId, input.summary);
  db.prepare(
    'INSERT INTO emails (id, account_id, blob_id, thread_id, received_at, size, keywords, summary, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    id,
    input.accountId,
    input.blobId,
    threadId,
    input.receivedAt ?? nowIso(),
    input.size,
    JSON.stringify(input.keywords),
    JSON.stringify(input.summary),
    input.summary.messageId?.[0] ?? null,
  );
  const link = db.prepare('INSERT INTO email_mailboxes (email_id, mailbox_id) VALUES (?, ?)');
  for (const m of input.mailboxIds) link.run(id, m);
  bumpState(db, input.accountId, 'Email', 'Mailbox', 'Thread');
  return { id, threadId };
}

export function emailGet(args: Args, ctx: MethodContext): [string, Args][] {
  const accountId = ctx.account.id;
  const { list, notFound } = standardGet(args, ctx, {
    all: () => loadEmails(ctx.db, accountId),
    byIds: (ids) => loadEmails(ctx.db, accountId, ids),
    properties: EMAIL_PROPERTIES,
  });
  return [['Email/get', { accountId, state: getState(ctx.db, accountId, 'Email'), list, notFound }]];
}

// ---------------------------------------------------------------- query ----

type Filter = Record<string, unknown>;
const addressText = (list: EmailSummary['from']) =>
  (list ?? [])
    .map((a) => `${a.name ?? ''} <${a.email}>`)
    .join(', ')
    .toLowerCase();

function matches(e: EmailObject & { searchText: string }, filter: Filter): boolean {
  if (typeof filter.operator === 'string') {
    const conditions = filter.conditions;
    if (!Array.isArray(conditions)) throw new MethodError('unsupportedFilter', 'FilterOperator needs conditions');
    const results = conditions.map((c: unknown) => (isRecord(c) ? matches(e, c) : false));
    if (filter.operator === 'AND') return results.every(Boolean);
    if (filter.operator === 'OR') return results.some(Boolean);
    if (filter.operator === 'NOT') return !results.some(Boolean);
    throw new MethodError('unsupportedFilter', `Unknown operator ${filter.operator}`);
  }
  for (const [key, value] of Object.entries(filter)) {
    const str = typeof value === 'string' ? value : '';
    switch (key) {
      case 'inMailbox':
        if (!e.mailboxIds[str]) return false;
        break;
      case 'inMailboxOtherThan':
        if (!Array.isArray(value)) throw new MethodError('unsupportedFilter', 'inMailboxOtherThan must be an array');
        if (!Object.keys(e.mailboxIds).some((m) => !value.includes(m))) return false;
        break;
      case 'before':
        if (!(e.receivedAt < str)) return false;
        break;
      case 'after':
        if (!(e.receivedAt >= str)) return false;
        break;
      case 'minSize':
        if (!(e.size >= Number(value))) return false;
        break;
      case 'maxSize':
        if (!(e.size < Number(value))) return false;
        break;
      case 'hasKeyword':
        if (!e.keywords[str]) return false;
        break;
      case 'notKeyword':
        if (e.keywords[str]) return false;
        break;
      case 'hasAttachment':
        if (e.hasAttachment !== value) return false;
        break;
      case 'text':
        if (
          !`${e.searchText} ${addressText(e.from)} ${addressText(e.to)} ${addressText(e.cc)}`.includes(
            str.toLowerCase(),
          )
        )
          return false;
        break;
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
        if (!addressText(e[key]).includes(str.toLowerCase())) return false;
        break;
      case 'subject':
        if (!(e.subject ?? '').toLowerCase().includes(str.toLowerCase())) return false;
        break;
      default:
        throw new MethodError('unsupportedFilter', `Filter condition ${key} is not supported`);
    }
  }
  return true;
}

const SORT_KEYS: Record<string, (e: EmailObject) => string | number> = {
  receivedAt: (e) => e.receivedAt,
  sentAt: (e) => e.sentAt ?? '',
  size: (e) => e.size,
  subject: (e) => (e.subject ?? '').toLowerCase(),
  from: (e) => addressText(e.from),
  to: (e) => addressText(e.to),
};

/**
 * Email/changes (RFC 8620 §5.2) without a change log: "nothing" when the state has not moved,
 * else cannotCalculateChanges, which tells the client to read what it shows again.
 */
export function emailChanges(args: Args, ctx: MethodContext): [string, Args][] {
  requireAccount(args, ctx);
  if (typeof args.sinceState !== 'string') throw new MethodError('invalidArguments', 'sinceState must be a string');
  const state = getState(ctx.db, ctx.account.id, 'Email');
  if (args.sinceState !== state) throw new MethodError('cannotCalculateChanges');
  return [
    [
      'Email/changes',
      {
        accountId: ctx.account.id,
        oldState: state,
        newState: state,
        hasMoreChanges: false,
        created: [],
        updated: [],
        destroyed: [],
      },
    ],
  ];
}

export function emailQuery(args: Args, ctx: MethodContext): [string, Args][] {
  requireAccount(args, ctx);
  const accountId = ctx.account.id;
  const filter = args.filter ?? null;
  if (filter !== null && !isRecord(filter))
    throw new MethodError('invalidArguments', 'filter must be an object or null');
  const sort = (args.sort ?? [{ property: 'receivedAt', isAscending: false }]) as unknown;
  if (!Array.isArray(sort)) throw new MethodError('invalidArguments', 'sort must be an array');
  const comparators = sort.map((c: unknown) => {
    if (!isRecord(c) || typeof c.property !== 'string') throw new MethodError('invalidArguments', 'Bad Comparator');
    const key = SORT_KEYS[c.property];
    if (!key) throw new MethodError('unsupportedSort', `Sorting by ${c.property} is not supported`);
    return { key, dir: c.isAscending === false ? -1 : 1 };
  });
  let emails = loadEmails(ctx.db, accountId);
  if (filter) emails = emails.filter((e) => matches(e, filter));
  emails.sort((a, b) => {
    for (const { key, dir } of comparators) {
      const x = key(a),
        y = key(b);
      if (x < y) return -dir;
      if (x > y) return dir;
    }
    return a.id < b.id ? -1 : 1;
  });
  const ids = emails.map((e) => e.id);
  let position = Number.isInteger(args.position) ? (args.position as number) : 0;
  if (typeof args.anchor === 'string') {
    const at = ids.indexOf(args.anchor);
    if (at < 0) throw new MethodError('anchorNotFound');
    position = Math.max(0, at + (Number.isInteger(args.anchorOffset) ? (args.anchorOffset as number) : 0));
  } else if (position < 0) {
    position = Math.max(0, ids.length + position);
  }
  const limit = args.limit === undefined || args.limit === null ? undefined : Number(args.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw new MethodError('invalidArguments', 'limit must be a non-negative integer');
  const slice = ids.slice(position, limit === undefined ? undefined : position + limit);
  return [
    [
      'Email/query',
      {
        accountId,
        queryState: getState(ctx.db, accountId, 'Email'),
        canCalculateChanges: false,
        position,
        ids: slice,
        ...(args.calculateTotal === true ? { total: ids.length } : {}),
        ...(limit !== undefined ? { limit } : {}),
      },
    ],
  ];
}

// ------------------------------------------------------------------ set ----

type SetOutcome = {
  updated: Record<string, null>;
  notUpdated: Record<string, Args>;
  destroyed: string[];
  notDestroyed: Record<string, Args>;
};

/** Apply one Email patch (RFC 8620 §5.3 PatchObject) to mailboxIds and keywords. */
function applyPatch(
  ctx: MethodContext,
  email: EmailObject,
  patch: Record<string, unknown>,
): { mailboxIds: string[]; keywords: Record<string, true> } {
  const mailboxIds = { ...email.mailboxIds } as Record<string, boolean>;
  let keywords = { ...email.keywords } as Record<string, boolean>;
  const invalid = (prop: string, description: string) =>
    new MethodError('invalidProperties', description, { properties: [prop] });
  for (const [path, value] of Object.entries(patch)) {
    const [prop, ...rest] = path.split('/');
    const sub = rest.join('/').replace(/~1/g, '/').replace(/~0/g, '~');
    if (prop === 'mailboxIds' && rest.length === 0) {
      if (!isRecord(value)) throw invalid('mailboxIds', 'mailboxIds must be an object');
      for (const k of Object.keys(mailboxIds)) delete mailboxIds[k];
      for (const [k, v] of Object.entries(value)) if (v === true) mailboxIds[resolveCreationRef(k, ctx) ?? k] = true;
    } else if (prop === 'mailboxIds' && rest.length) {
      const id = resolveCreationRef(sub, ctx) ?? sub;
      if (value === true) mailboxIds[id] = true;
      else if (value === null || value === false) delete mailboxIds[id];
      else throw invalid('mailboxIds', `Bad value for ${path}`);
    } else if (prop === 'keywords' && rest.length === 0) {
      if (!isRecord(value)) throw invalid('keywords', 'keywords must be an object');
      keywords = {};
      for (const [k, v] of Object.entries(value)) if (v === true) keywords[k.toLowerCase()] = true;
    } else if (prop === 'keywords' && rest.length) {
      if (value === true) keywords[sub.toLowerCase()] = true;
      else if (value === null || value === false) delete keywords[sub.toLowerCase()];
      else throw invalid('keywords', `Bad value for ${path}`);
    } else {
      throw invalid(prop ?? path, `Property ${path} cannot be changed`);
    }
  }
  const ids = Object.keys(mailboxIds);
  if (ids.length === 0) throw invalid('mailboxIds', 'An email must be in at least one mailbox');
  if (ids.some((id) => !mailboxExists(ctx.db, ctx.account.id, id))) throw invalid('mailboxIds', 'Unknown mailbox');
  if (!Object.keys(keywords).every(validKeyword)) throw invalid('keywords', 'Invalid keyword');
  return { mailboxIds: ids, keywords: keywords as Record<string, true> };
}

/** Updates and destroys of Emails; shared by Email/set and the implicit set after EmailSubmission/set. */
export function applyEmailChanges(ctx: MethodContext, update: Record<string, unknown>, destroy: string[]): SetOutcome {
  const { db } = ctx;
  const accountId = ctx.account.id;
  const out: SetOutcome = { updated: {}, notUpdated: {}, destroyed: [], notDestroyed: {} };
  for (const [rawId, patch] of Object.entries(update)) {
    const id = resolveCreationRef(rawId, ctx) ?? rawId;
    const [email] = loadEmails(db, accountId, [id]);
    if (!email) {
      out.notUpdated[rawId] = { type: 'notFound' };
      continue;
    }
    if (!isRecord(patch)) {
      out.notUpdated[rawId] = { type: 'invalidPatch' };
      continue;
    }
    try {
      const next = applyPatch(ctx, email, patch);
      db.transaction(() => {
        db.prepare('UPDATE emails SET keywords = ? WHERE id = ?').run(JSON.stringify(next.keywords), id);
        db.prepare('DELETE FROM email_mailboxes WHERE email_id = ?').run(id);
        const link = db.prepare('INSERT INTO email_mailboxes (email_id, mailbox_id) VALUES (?, ?)');
        for (const m of next.mailboxIds) link.run(id, m);
        bumpState(db, accountId, 'Email', 'Mailbox');
      })();
      out.updated[id] = null;
    } catch (e) {
      if (!(e instanceof MethodError)) throw e;
      out.notUpdated[rawId] = e.toArgs();
    }
  }
  for (const rawId of destroy) {
    const id = resolveCreationRef(rawId, ctx) ?? rawId;
    const result = db.prepare('DELETE FROM emails WHERE id = ? AND account_id = ?').run(id, accountId);
    if (result.changes === 0) out.notDestroyed[rawId] = { type: 'notFound' };
    else {
      bumpState(db, accountId, 'Email', 'Mailbox', 'Thread');
      out.destroyed.push(id);
    }
  }
  return out;
}

export function checkIfInState(args: Args, current: string): void {
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== current)
    throw new MethodError('stateMismatch');
}

export const emailSetResponse = (
  accountId: string,
  oldState: string,
  newState: string,
  outcome: SetOutcome,
  notCreated: Record<string, Args> | null = null,
): Args => ({
  accountId,
  oldState,
  newState,
  created: null,
  updated: Object.keys(outcome.updated).length ? outcome.updated : null,
  destroyed: outcome.destroyed.length ? outcome.destroyed : null,
  notCreated,
  notUpdated: Object.keys(outcome.notUpdated).length ? outcome.notUpdated : null,
  notDestroyed: Object.keys(outcome.notDestroyed).length ? outcome.notDestroyed : null,
});

export function emailSet(args: Args, ctx: MethodContext): [string, Args][] {
  requireAccount(args, ctx);
  const accountId = ctx.account.id;
  const oldState = getState(ctx.db, accountId, 'Email');
  checkIfInState(args, oldState);
  const create = isRecord(args.create) ? args.create : {};
  const update = isRecord(args.update) ? args.update : {};
  const destroy = Array.isArray(args.destroy) ? args.destroy.filter((d): d is string => typeof d === 'string') : [];
  if (Object.keys(create).length + Object.keys(update).length + destroy.length > ctx.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge');
  const notCreated: Record<string, Args> = {};
  for (const cid of Object.keys(create)) {
    notCreated[cid] = {
      type: 'forbidden',
      description:
        'This server stores only messages built by the client: upload the RFC 5322 bytes and use Email/import.',
    };
  }
  const outcome = applyEmailChanges(ctx, update, destroy);
  return [
    [
      'Email/set',
      emailSetResponse(
        accountId,
        oldState,
        getState(ctx.db, accountId, 'Email'),
        outcome,
        Object.keys(notCreated).length ? notCreated : null,
      ),
    ],
  ];
}

export { validKeyword };

/** The summary stored when the email was imported (parsing the message again is slow for large ones). */
export function storedSummary(db: Db, accountId: string, emailId: string): EmailSummary | undefined {
  const row = db.prepare('SELECT summary FROM emails WHERE account_id = ? AND id = ?').get(accountId, emailId) as
    { summary: string } | undefined;
  return row ? (JSON.parse(row.summary) as EmailSummary) : undefined;
}
