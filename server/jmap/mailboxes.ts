import { loadEmails } from './emails';
import { type Args, isRecord, MethodError, type MethodContext, requireAccount, standardGet } from './method-kit';
import { getState } from './state';

type MailboxRow = { id: string; name: string; role: string | null; sort_order: number };

const MAILBOX_PROPERTIES = [
  'id',
  'name',
  'parentId',
  'role',
  'sortOrder',
  'totalEmails',
  'unreadEmails',
  'totalThreads',
  'unreadThreads',
  'myRights',
  'isSubscribed',
] as const;

const RIGHTS = {
  mayReadItems: true,
  mayAddItems: true,
  mayRemoveItems: true,
  maySetSeen: true,
  maySetKeywords: true,
  mayCreateChild: false,
  mayRename: false,
  mayDelete: false,
  maySubmit: true,
};

function loadMailboxes(ctx: MethodContext, ids?: string[]) {
  const rows = (
    ctx.db
      .prepare('SELECT id, name, role, sort_order FROM mailboxes WHERE account_id = ? ORDER BY sort_order, name')
      .all(ctx.account.id) as MailboxRow[]
  ).filter((r) => !ids || ids.includes(r.id));
  const emails = loadEmails(ctx.db, ctx.account.id);
  return rows.map((r) => {
    const inBox = emails.filter((e) => e.mailboxIds[r.id]);
    const unread = inBox.filter((e) => !e.keywords.$seen);
    return {
      id: r.id,
      name: r.name,
      parentId: null,
      role: r.role,
      sortOrder: r.sort_order,
      totalEmails: inBox.length,
      unreadEmails: unread.length,
      totalThreads: new Set(inBox.map((e) => e.threadId)).size,
      unreadThreads: new Set(unread.map((e) => e.threadId)).size,
      myRights: RIGHTS,
      isSubscribed: true,
    };
  });
}

export function mailboxGet(args: Args, ctx: MethodContext): [string, Args][] {
  const { list, notFound } = standardGet(args, ctx, {
    all: () => loadMailboxes(ctx),
    byIds: (ids) => loadMailboxes(ctx, ids),
    properties: MAILBOX_PROPERTIES,
  });
  return [
    ['Mailbox/get', { accountId: ctx.account.id, state: getState(ctx.db, ctx.account.id, 'Mailbox'), list, notFound }],
  ];
}

export function mailboxQuery(args: Args, ctx: MethodContext): [string, Args][] {
  requireAccount(args, ctx);
  const filter = args.filter ?? null;
  if (filter !== null && !isRecord(filter)) throw new MethodError('invalidArguments', 'filter must be an object');
  const test = (m: ReturnType<typeof loadMailboxes>[number], f: Record<string, unknown>): boolean => {
    if (typeof f.operator === 'string' && Array.isArray(f.conditions)) {
      const r = f.conditions.map((c: unknown) => (isRecord(c) ? test(m, c) : false));
      return f.operator === 'AND' ? r.every(Boolean) : f.operator === 'OR' ? r.some(Boolean) : !r.some(Boolean);
    }
    for (const [k, v] of Object.entries(f)) {
      if (k === 'role' && m.role !== v) return false;
      else if (k === 'hasAnyRole' && (m.role !== null) !== v) return false;
      else if (k === 'name' && !m.name.toLowerCase().includes(String(v).toLowerCase())) return false;
      else if (k === 'parentId' && v !== null) return false;
      else if (k === 'isSubscribed' && v !== true) return false;
      else if (!['role', 'hasAnyRole', 'name', 'parentId', 'isSubscribed'].includes(k))
        throw new MethodError('unsupportedFilter', `Filter ${k} is not supported`);
    }
    return true;
  };
  const ids = loadMailboxes(ctx)
    .filter((m) => !filter || test(m, filter))
    .map((m) => m.id);
  return [
    [
      'Mailbox/query',
      {
        accountId: ctx.account.id,
        queryState: getState(ctx.db, ctx.account.id, 'Mailbox'),
        canCalculateChanges: false,
        position: 0,
        ids,
        total: ids.length,
      },
    ],
  ];
}

type IdentityRow = { id: string; name: string; email: string; may_delete: number };

export function identityGet(args: Args, ctx: MethodContext): [string, Args][] {
  const load = (ids?: string[]) =>
    (
      ctx.db
        .prepare('SELECT id, name, email, may_delete FROM identities WHERE account_id = ? ORDER BY may_delete, rowid')
        .all(ctx.account.id) as IdentityRow[]
    )
      .filter((r) => !ids || ids.includes(r.id))
      .map((r) => ({
        id: r.id,
        name: r.name,
        email: r.email,
        replyTo: null,
        bcc: null,
        textSignature: '',
        htmlSignature: '',
        mayDelete: r.may_delete === 1,
      }));
  const { list, notFound } = standardGet(args, ctx, {
    all: () => load(),
    byIds: (ids) => load(ids),
    properties: ['id', 'name', 'email', 'replyTo', 'bcc', 'textSignature', 'htmlSignature', 'mayDelete'],
  });
  return [
    [
      'Identity/get',
      { accountId: ctx.account.id, state: getState(ctx.db, ctx.account.id, 'Identity'), list, notFound },
    ],
  ];
}

export function threadGet(args: Args, ctx: MethodContext): [string, Args][] {
  const threads = () => {
    const byThread = new Map<string, { id: string; receivedAt: string }[]>();
    for (const e of loadEmails(ctx.db, ctx.account.id)) {
      byThread.set(e.threadId, [...(byThread.get(e.threadId) ?? []), { id: e.id, receivedAt: e.receivedAt }]);
    }
    return [...byThread].map(([id, emails]) => ({
      id,
      emailIds: emails.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1)).map((e) => e.id),
    }));
  };
  const { list, notFound } = standardGet(args, ctx, {
    all: threads,
    byIds: (ids) => threads().filter((t) => ids.includes(t.id)),
    properties: ['id', 'emailIds'],
  });
  return [
    ['Thread/get', { accountId: ctx.account.id, state: getState(ctx.db, ctx.account.id, 'Thread'), list, notFound }],
  ];
}
