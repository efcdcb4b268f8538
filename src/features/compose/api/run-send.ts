import type { QueryClient } from '@tanstack/react-query';
import type { JmapClient } from '@/core/jmap/client';
import type { AccountMailboxes } from '@/core/jmap/account-setup';
import { destroyEmails, setKeywords } from '@/core/jmap/mail';
import type { Identity } from '@/core/jmap/types';
import { userMessage } from '@/core/errors/user-messages';
import type { Mailbox } from '@/core/mime/addresses';
import { createMessageId } from '@/core/mime/message-id';
import type { PreparedMessage, SendStage, UploadedSoFar } from '@/core/send/deliver';
import { type OwnKeyState, planSend, type SendPlanInput } from '@/core/send/plan-send';
import type { Security } from '@/core/send/send-message';
import { sizeLimitsOf } from '@/core/send/size-limits';
import { wholePercent } from '@/core/progress';
import { refreshBeforeSend } from '@/queries/refresh-before-send';
import type { OwnKeyStatus } from '@/queries/own-key-status';
import { draftKeys, mailboxKeys, sentKeys } from '@/queries/mail';
import { currentRecipientKeys } from '@/queries/recipient-keys';
import type { Services } from '@/services/services';
import { loadRecipientParser } from '@/lib/recipient-parser';
import { ensureUnlocked, isUnlockDeclined } from '@/unlock/ensure-unlocked';
import { type Chip, type RecipientField, reusableOutgoing, useComposerStore } from '../stores/composer-store';
import { draftSaveSettled, saveDraft, type SaveDraftContext, stopAutosaveUpload } from './drafts';
import { beginSend, endSend } from './send-control';

const FIELDS: RecipientField[] = ['to', 'cc', 'bcc'];

type ComposedMessage = {
  identity: Identity;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  subject: string;
  text: string;
  files: File[];
  messageId: string;
  security: Security | null;
  threading?: { inReplyTo: string[]; references: string[] };
};

type SendRequest = {
  /** A new message to build, or the one a failed try already built (retried as it is). */
  message: ComposedMessage | PreparedMessage;
  /** The composer revision it was built from. */
  revision: number;
  mailboxes: AccountMailboxes;
  /** The saved draft of this message, removed once it is sent. */
  draftId: string | null;
  /** The message this answers or forwards, marked `$answered` / `$forwarded` once this is sent. */
  original?: { emailId: string; keyword: '$answered' | '$forwarded' } | null;
};

export type ComposeSendOptions = {
  identity: Identity | undefined;
  mailboxes: AccountMailboxes | undefined;
  ownKey: OwnKeyStatus;
  encrypt: boolean;
  sign: boolean;
  /** For keeping the message on the server (encrypted) after a failed send. */
  draftContext: () => SaveDraftContext | null;
};

/** What the composer's hook hands over for one press of Send. */
export type SendContext = {
  options: ComposeSendOptions;
  services: Services;
  queryClient: QueryClient;
  client: JmapClient;
  protectHeaders: boolean;
  setOfferPlain: (offer: boolean) => void;
};

/** The composer's send status, redrawn for each stage and each percent uploaded, not for every progress event. */
function showStage(stage: SendStage, uploaded?: UploadedSoFar): void {
  const store = useComposerStore.getState();
  const now = store.status;
  if (
    uploaded &&
    now.state === 'sending' &&
    now.stage === stage &&
    now.uploaded &&
    wholePercent(now.uploaded.sent, now.uploaded.total) === wholePercent(uploaded.sent, uploaded.total)
  )
    return;
  store.setStatus({ state: 'sending', stage, ...(uploaded ? { uploaded } : {}) });
}

/** Why a failed delivery failed, in words that say what was and was not sent. */
function failureMessage(error: unknown, prepared: PreparedMessage | undefined): string {
  const done = prepared?.copies.filter((c) => c.result).flatMap((c) => c.envelope.rcptTo) ?? [];
  const left = prepared?.copies.filter((c) => !c.result).flatMap((c) => c.envelope.rcptTo) ?? [];
  if (prepared?.copies.some((c) => c.uncertain)) {
    return `The connection failed before the server answered, so the message may have been sent. Send again: it checks with the server first and never sends it twice. (${userMessage(error)})`;
  }
  const partly = done.length
    ? ` Already sent to ${done.join(', ')}; not yet to ${left.join(', ')}. Send again to retry only the rest.`
    : '';
  return `Not sent. ${userMessage(error)}${partly} Your message is still here.`;
}

/** Build (unless a failed try built it already), deliver, and tidy up after: the draft goes, the original is marked. */
async function sendComposed(
  { message, revision, mailboxes, draftId, original }: SendRequest,
  { services, client, queryClient }: SendContext,
  signal: AbortSignal,
): Promise<void> {
  const { deliverMessage } = await import('@/core/send/deliver');
  let prepared: PreparedMessage;
  if ('copies' in message) {
    prepared = message;
  } else {
    showStage(message.security && (message.security.encrypt || message.security.signWith) ? 'encrypting' : 'building');
    // Files go to the worker by reference and are read there, not here.
    const attachments = message.files.map((file) => ({
      name: file.name,
      type: file.type || 'application/octet-stream',
      content: file,
    }));
    // Built, encrypted and signed in the worker: the page stays responsive for large messages.
    prepared = await services.outgoing.prepareMessage(
      {
        identity: message.identity,
        to: message.to,
        cc: message.cc,
        bcc: message.bcc,
        subject: message.subject,
        text: message.text,
        attachments,
        messageId: message.messageId,
        ...(message.threading ? { threading: message.threading } : {}),
        ...(message.security ? { security: message.security } : {}),
      },
      { now: services.now().getTime() },
    );
    // Kept for a retry: the same bytes go again, and copies already accepted are skipped.
    useComposerStore.getState().setOutgoing({ revision, prepared });
  }
  await deliverMessage(prepared, { jmap: client, mailboxes, signal }, showStage);
  // The saved draft goes (best effort: the message is sent; a leftover draft is only clutter),
  // including one an autosave stored while this was sending.
  await draftSaveSettled();
  const drafts = [...new Set([draftId, useComposerStore.getState().draftId].filter((id): id is string => !!id))];
  if (drafts.length) await destroyEmails(client, drafts).catch(() => undefined);
  // Best effort too: the answer is sent whether or not the original's flag could be set.
  if (original) await setKeywords(client, original.emailId, { [original.keyword]: true }).catch(() => undefined);
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: sentKeys.all }),
    queryClient.invalidateQueries({ queryKey: draftKeys.all }),
    queryClient.invalidateQueries({ queryKey: mailboxKeys.all }),
  ]);
}

/** Deliver in the background (the composer shows the stages); the outcome lands in the composer store. */
function deliver(request: SendRequest, recipients: number, context: SendContext): void {
  const controller = beginSend();
  sendComposed(request, context, controller.signal).then(
    () => {
      endSend(controller);
      useComposerStore.getState().clearAfterSend(`Sent to ${recipients} recipient${recipients > 1 ? 's' : ''}.`);
    },
    (e: unknown) => {
      endSend(controller);
      if (controller.signal.aborted) {
        // The user's own choice: nothing more is uploaded, not even a draft.
        useComposerStore.getState().setStatus({
          state: 'failed',
          message: 'Not sent: you cancelled the upload. Your message is still here; Send uploads it again.',
        });
        return;
      }
      useComposerStore
        .getState()
        .setStatus({ state: 'failed', message: failureMessage(e, useComposerStore.getState().outgoing?.prepared) });
      // Keep it on the server too, encrypted, when the sender has a key (never in clear).
      const ctx = context.options.draftContext();
      if (ctx && context.options.ownKey.status === 'valid') void saveDraft(ctx, 'after-failure');
    },
  );
}

/** The sender's bound key as the plan needs it, and the name the passphrase dialog shows. */
async function ownKeyState({ options, services }: SendContext): Promise<{ own: OwnKeyState; label: string | null }> {
  const { status, fingerprint } = options.ownKey;
  if (!fingerprint || status !== 'valid')
    return { own: { status, ...(fingerprint ? { fingerprint } : {}) }, label: null };
  const [record, unlocked] = await Promise.all([services.keystore.get(fingerprint), services.crypto.unlockedKeys()]);
  return {
    own: { status, fingerprint, armoredPublic: record.armoredPublic, unlocked: unlocked.includes(fingerprint) },
    label: record.summary.primaryUserId,
  };
}

/**
 * Send: runs the plan of core's planSend() step by step (refresh keys, unlock, build in the
 * worker, deliver, resume a failed try) and reports in the composer store.
 */
export async function runSend(context: SendContext): Promise<void> {
  const { options, queryClient, protectHeaders, client, services, setOfferPlain } = context;
  stopAutosaveUpload();
  await draftSaveSettled();
  try {
    // Addresses typed before the address parser arrived become chips once it is here: wait for that.
    await loadRecipientParser();
  } catch (e) {
    return useComposerStore.getState().setStatus({ state: 'failed', message: `Not sent. ${userMessage(e)}` });
  }
  const store = useComposerStore.getState();
  // Text still being typed counts as entered.
  for (const field of FIELDS)
    if (store.pending[field].trim()) store.updateRecipientText(field, store.pending[field], true);
  const state = useComposerStore.getState();
  const chips: Chip[] = FIELDS.flatMap((f) => state.recipients[f]);
  const { identity, mailboxes } = options;
  try {
    const { own, label } = await ownKeyState(context);
    const input: SendPlanInput = {
      from: identity && mailboxes ? identity.email : null,
      recipients: chips.map((c) => (c.valid ? { address: c.mailbox.address } : { invalid: c.input })),
      keyOf: (address) => currentRecipientKeys(queryClient, [address])[0],
      encrypt: options.encrypt,
      sign: options.sign,
      protectHeaders,
      ownKey: own,
      retry: reusableOutgoing(state),
      refreshed: false,
      attachmentSizes: state.attachments.map((a) => a.file.size),
      limits: sizeLimitsOf(client.session),
    };
    const request = (message: SendRequest['message']): SendRequest => ({
      message,
      revision: state.revision,
      mailboxes: mailboxes!,
      draftId: state.draftId,
      original: state.reply?.original ?? null,
    });
    for (;;) {
      const plan = planSend(input);
      switch (plan.kind) {
        case 'blocked':
          setOfferPlain(plan.reason === 'keys-missing');
          return state.setStatus({ state: 'failed', message: plan.message });
        case 'needs-refresh': {
          state.setStatus({ state: 'sending', stage: 'checking-keys' });
          // The fresh answers land in the query cache, which keyOf reads.
          await refreshBeforeSend(
            services,
            queryClient,
            plan.addresses,
            currentRecipientKeys(queryClient, plan.addresses),
          );
          input.refreshed = true;
          state.setStatus({ state: 'idle' });
          continue;
        }
        case 'needs-unlock':
          await ensureUnlocked(services.crypto, plan.fingerprint, label ?? identity?.email ?? plan.fingerprint);
          input.ownKey = { ...input.ownKey, unlocked: true };
          continue;
        case 'resume':
          // The message was built (and encrypted) by the failed try: send exactly that again.
          state.setStatus({ state: 'sending', stage: 'uploading' });
          return deliver(request(plan.prepared), chips.length, context);
        case 'ready': {
          const messageId = state.messageId ?? createMessageId(identity!.email);
          state.setMessageId(messageId);
          const mailboxesOf = (f: RecipientField) => state.recipients[f].flatMap((c) => (c.valid ? [c.mailbox] : []));
          state.setStatus({ state: 'sending', stage: 'building' }); // stops autosave from here on
          const message = {
            identity: identity!,
            to: mailboxesOf('to'),
            cc: mailboxesOf('cc'),
            bcc: mailboxesOf('bcc'),
            subject: state.subject,
            text: state.body,
            files: state.attachments.map((a) => a.file),
            messageId,
            security: plan.security,
            ...(state.reply
              ? { threading: { inReplyTo: state.reply.inReplyTo, references: state.reply.references } }
              : {}),
          };
          return deliver(request(message), chips.length, context);
        }
      }
    }
  } catch (e) {
    state.setStatus({
      state: 'failed',
      message: isUnlockDeclined(e) ? 'Not sent: the key was not unlocked.' : `Not sent. ${userMessage(e)}`,
    });
  }
}
