import { blobInfo, readBlob } from './blobs';
import { checkIfInState, insertEmail, mailboxExists, validKeyword } from './emails';
import { looksLikeMessage, summarize, SUMMARY_READ } from './message-parse';
import { type Args, isRecord, MethodError, type MethodContext, requireAccount, resolveCreationRef } from './method-kit';
import { getState } from './state';

/** Email/import (RFC 8621 §4.8): store uploaded RFC 5322 bytes unchanged as Emails. */
export async function emailImport(args: Args, ctx: MethodContext): Promise<[string, Args][]> {
  requireAccount(args, ctx);
  const { db } = ctx;
  const accountId = ctx.account.id;
  const oldState = getState(db, accountId, 'Email');
  checkIfInState(args, oldState);
  if (!isRecord(args.emails)) throw new MethodError('invalidArguments', 'emails must be an object');
  if (Object.keys(args.emails).length > ctx.limits.maxObjectsInSet) throw new MethodError('requestTooLarge');
  const created: Record<string, Args> = {};
  const notCreated: Record<string, Args> = {};
  for (const [cid, spec] of Object.entries(args.emails)) {
    const fail = (type: string, extra: Args = {}) => (notCreated[cid] = { type, ...extra });
    if (!isRecord(spec) || typeof spec.blobId !== 'string') {
      fail('invalidProperties', { properties: ['blobId'] });
      continue;
    }
    if (!isRecord(spec.mailboxIds)) {
      fail('invalidProperties', { properties: ['mailboxIds'] });
      continue;
    }
    const mailboxIds = Object.entries(spec.mailboxIds)
      .filter(([, v]) => v === true)
      .map(([k]) => resolveCreationRef(k, ctx) ?? k);
    if (mailboxIds.length === 0 || !mailboxIds.every((m) => mailboxExists(db, accountId, m))) {
      fail('invalidProperties', { properties: ['mailboxIds'], description: 'Unknown or no mailbox' });
      continue;
    }
    const keywordsIn = spec.keywords ?? {};
    if (!isRecord(keywordsIn) || !Object.entries(keywordsIn).every(([k, v]) => v === true && validKeyword(k))) {
      fail('invalidProperties', { properties: ['keywords'] });
      continue;
    }
    const receivedAt = spec.receivedAt;
    if (receivedAt !== undefined && (typeof receivedAt !== 'string' || Number.isNaN(Date.parse(receivedAt)))) {
      fail('invalidProperties', { properties: ['receivedAt'] });
      continue;
    }
    const blob = blobInfo(db, accountId, resolveCreationRef(spec.blobId, ctx) ?? spec.blobId);
    if (!blob) {
      fail('blobNotFound', { notFound: [spec.blobId] });
      continue;
    }
    if (blob.size > ctx.limits.maxMessageSize) {
      fail('tooLarge', { maxSize: ctx.limits.maxMessageSize });
      continue;
    }
    // Only the message's start is read: a 25 MB import does not read or parse the whole.
    const start = readBlob(db, accountId, blob.id, SUMMARY_READ)!;
    if (!looksLikeMessage(start)) {
      fail('invalidEmail', { description: 'The blob is not an RFC 5322 message' });
      continue;
    }
    const summary = await summarize(start);
    const keywords = Object.fromEntries(Object.keys(keywordsIn).map((k) => [k.toLowerCase(), true as const]));
    const { id, threadId } = db.transaction(() =>
      insertEmail(db, {
        accountId,
        blobId: blob.id,
        size: blob.size,
        summary,
        mailboxIds,
        keywords,
        ...(typeof receivedAt === 'string'
          ? { receivedAt: new Date(receivedAt).toISOString().replace(/\.\d{3}Z$/, 'Z') }
          : {}),
      }),
    )();
    ctx.createdIds.set(cid, id);
    created[cid] = { id, blobId: blob.id, threadId, size: blob.size };
  }
  return [
    [
      'Email/import',
      {
        accountId,
        oldState,
        newState: getState(db, accountId, 'Email'),
        created: Object.keys(created).length ? created : null,
        notCreated: Object.keys(notCreated).length ? notCreated : null,
      },
    ],
  ];
}
