import type { JmapClient } from '@/core/jmap/client';
import type { AccountMailboxes } from '@/core/jmap/account-setup';
import { destroyEmails } from '@/core/jmap/mail';
import type { Identity } from '@/core/jmap/types';
import { AppError } from '@/core/errors/app-error';
import { userMessage } from '@/core/errors/user-messages';
import { createMessageId } from '@/core/mime/message-id';
import { minimumMessageSize, sizeLimitsOf, sizeProblem } from '@/core/send/size-limits';
import type { KeyRecord } from '@/core/keystore/records';
import { draftKeys } from '@/queries/mail';
import type { OwnKeyStatus } from '@/queries/own-key-status';
import type { QueryLayer } from '@/queries/query-layer';
import type { Services } from '@/services/services';
import { draftNotSaved, useComposerStore } from '../stores/composer-store';
import { useOwnDraftsStore } from '../stores/own-drafts-store';

/** Saves run one after another; sending waits for the one in flight, so no stray copy is left behind. */
let inFlight: Promise<unknown> = Promise.resolve();
/** The upload of the autosave in flight, which Send stops (see stopAutosaveUpload). */
let autosaveUpload: AbortController | null = null;

/**
 * Send needs the link, and the message is about to leave anyway: an autosave still building or
 * uploading stops before its upload ends (one already being imported finishes, so that no copy is
 * left that nobody knows of). Saves by hand are not stopped.
 */
export function stopAutosaveUpload(): void {
  autosaveUpload?.abort();
}
export const draftSaveSettled = () =>
  inFlight.then(
    () => undefined,
    () => undefined,
  );

export type SaveDraftContext = {
  services: Services;
  client: JmapClient;
  queries: QueryLayer;
  identity: Identity;
  mailboxes: AccountMailboxes;
  ownKey: OwnKeyStatus;
  /** Whether the user asked for encryption (then a draft is never stored in clear). */
  encrypt: boolean;
};

/**
 * Save the composer's message to the Drafts mailbox. Security: encrypted to the sender's own bound
 * key whenever there is one; without one it is stored in clear only when the user saves by hand
 * and did not ask for encryption. Autosave never stores plaintext.
 */
export function saveDraft(ctx: SaveDraftContext, reason: 'manual' | 'auto' | 'after-failure'): Promise<boolean> {
  const run = inFlight.then(
    () => saveNow(ctx, reason),
    () => saveNow(ctx, reason),
  );
  inFlight = run;
  return run;
}

const FIELDS = ['to', 'cc', 'bcc'] as const;

async function saveNow(ctx: SaveDraftContext, reason: 'manual' | 'auto' | 'after-failure'): Promise<boolean> {
  const store = useComposerStore.getState();
  const { services, identity } = ctx;
  if (reason !== 'manual' && store.revision === store.savedRevision) return true;
  const own: KeyRecord | null =
    ctx.ownKey.status === 'valid' && ctx.ownKey.fingerprint
      ? await services.keystore.get(ctx.ownKey.fingerprint)
      : null;
  if (!own && (ctx.encrypt || reason !== 'manual')) {
    if (reason === 'manual' || ctx.encrypt) {
      const message = `Draft not saved on the server: ${userMessage(new AppError('draft/no-own-key', 'No own key'))}`;
      if (reason === 'manual') store.setStatus({ state: 'failed', message });
      else store.setDraftStatus({ state: 'failed', message });
    }
    return false;
  }
  // Checked before the draft is built and encrypted: autosave would otherwise redo that for nothing.
  const fileSizes = store.attachments.map(({ file }) => file.size);
  const tooLarge = sizeProblem(minimumMessageSize(fileSizes, !!own), !!own, sizeLimitsOf(ctx.client.session), 'draft');
  if (tooLarge) {
    draftNotSaved(reason, `Draft not saved. ${tooLarge}`);
    return false;
  }
  const revision = store.revision;
  const messageId = store.messageId ?? createMessageId(identity.email);
  store.setMessageId(messageId);
  const before = store.draftStatus;
  store.setDraftStatus({ state: 'saving' });
  const upload = reason === 'auto' ? new AbortController() : null;
  autosaveUpload = upload;
  try {
    const [{ storeDraft }, { releaseSpools }] = await Promise.all([
      import('@/core/drafts/store-draft'),
      import('@/core/bytes/spool'),
    ]);
    const valid = (field: 'to' | 'cc' | 'bcc') => store.recipients[field].flatMap((c) => (c.valid ? [c.mailbox] : []));
    const content = {
      from: { name: identity.name || null, address: identity.email },
      to: valid('to'),
      cc: valid('cc'),
      bcc: valid('bcc'),
      subject: store.subject,
      text: store.body,
      attachments: store.attachments.map(({ file }) => ({
        name: file.name,
        type: file.type || 'application/octet-stream',
        content: file,
      })),
      messageId,
      ...(store.reply ? { inReplyTo: store.reply.inReplyTo, references: store.reply.references } : {}),
      encrypt: store.encryptChoice,
      sign: store.signChoice,
      loose: FIELDS.flatMap((field) => [
        ...store.recipients[field].flatMap((c) => (c.valid ? [] : [{ field, kind: 'chip' as const, text: c.input }])),
        ...(store.pending[field].trim() ? [{ field, kind: 'typing' as const, text: store.pending[field] }] : []),
      ]),
    };
    // Signed when the key is unlocked (autosave never asks for a passphrase); either way this
    // browser remembers the draft as its own.
    const signWith = own && (await services.crypto.unlockedKeys()).includes(own.fingerprint) ? own.fingerprint : null;
    const { blob, encrypted, spools } = await services.outgoing.buildDraft(content, {
      now: services.now().getTime(),
      encryptTo: own ? { armoredPublic: own.armoredPublic, address: identity.email } : null,
      signWith,
    });
    const { emailId } = await storeDraft(ctx.client, blob, {
      mailboxes: ctx.mailboxes,
      replaces: store.draftId,
      ...(upload ? { signal: upload.signal } : {}),
    }).finally(() => releaseSpools(spools));
    useOwnDraftsStore.getState().remember(emailId);
    void ctx.queries.current()?.queryClient.invalidateQueries({ queryKey: draftKeys.all });
    const now = useComposerStore.getState();
    if (now.messageId !== messageId) {
      // The composer moved on (sent, or another draft opened) while this was saving.
      await destroyEmails(ctx.client, [emailId]).catch(() => undefined);
      return false;
    }
    now.draftSaved(emailId, revision, encrypted, services.now());
    return true;
  } catch (e) {
    if (upload?.signal.aborted) {
      // Stopped for a send: nothing failed that the user should hear about.
      useComposerStore.getState().setDraftStatus(before);
      return false;
    }
    draftNotSaved(reason, `Draft not saved. ${userMessage(e)}`);
    return false;
  } finally {
    if (autosaveUpload === upload) autosaveUpload = null;
  }
}
