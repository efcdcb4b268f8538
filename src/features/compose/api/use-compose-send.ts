import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import type { AccountMailboxes } from '@/core/jmap/mail';
import type { Identity } from '@/core/jmap/types';
import { createMessageId } from '@/core/mime/message-id';
import type { PreparedMessage, SendStage, UploadedSoFar } from '@/core/send/deliver';
import { type OwnKeyState, planSend, type SendPlanInput } from '@/core/send/plan-send';
import { sizeLimitsOf } from '@/core/send/size-limits';
import { useRefreshBeforeSend } from '@/queries/key-refresh';
import type { OwnKeyStatus } from '@/queries/keyring';
import { currentRecipientKeys } from '@/queries/recipient-keys';
import { useServices } from '@/services/services';
import { useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useJmapClient } from '@/stores/session-store';
import { ensureUnlocked, isUnlockDeclined } from '@/unlock/ensure-unlocked';
import {
  type Chip,
  type RecipientField,
  reusableOutgoing,
  uploadedPercent,
  useComposerStore,
} from '../stores/composer-store';
import { draftSaveSettled, saveDraft, type SaveDraftContext } from './drafts';
import { type SendRequest, useSendMessage } from './use-send-message';

const FIELDS: RecipientField[] = ['to', 'cc', 'bcc'];

/** The send under way, for Cancel: kept here, not in a component, so it outlives a visit to another view. */
let sending: AbortController | null = null;

/** Stop the upload of the message being sent; once it is being submitted it can no longer be stopped. */
export function cancelUpload(): void {
  const status = useComposerStore.getState().status;
  if (status.state === 'sending' && status.stage === 'uploading') sending?.abort();
}

/** The composer's send status, redrawn for each stage and each percent uploaded, not for every progress event. */
function showStage(stage: SendStage, uploaded?: UploadedSoFar): void {
  const store = useComposerStore.getState();
  const now = store.status;
  if (
    uploaded &&
    now.state === 'sending' &&
    now.stage === stage &&
    now.uploaded &&
    uploadedPercent(now.uploaded) === uploadedPercent(uploaded)
  )
    return;
  store.setStatus({ state: 'sending', stage, ...(uploaded ? { uploaded } : {}) });
}

type ComposeSendOptions = {
  identity: Identity | undefined;
  mailboxes: AccountMailboxes | undefined;
  ownKey: OwnKeyStatus;
  encrypt: boolean;
  sign: boolean;
  /** For keeping the message on the server (encrypted) after a failed send. */
  draftContext: () => SaveDraftContext | null;
};

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

/**
 * Send: runs the plan of core's planSend() step by step (refresh keys, unlock, build in the
 * worker, deliver, resume a failed try) and reports in the composer store. `offerPlain`: the
 * message was blocked for recipients without keys, so the choices (remove them, or send
 * unencrypted) are offered.
 */
export function useComposeSend(options: ComposeSendOptions) {
  const services = useServices();
  const queryClient = useQueryClient();
  const refreshBeforeSend = useRefreshBeforeSend();
  const client = useJmapClient();
  const protectHeaders = useDiscoverySettingsStore((s) => s.protectHeaders);
  const send = useSendMessage(showStage);
  const [offerPlain, setOfferPlain] = useState(false);

  const deliver = (request: Omit<SendRequest, 'signal'>, recipients: number) => {
    const controller = new AbortController();
    sending = controller;
    send.mutate(
      { ...request, signal: controller.signal },
      {
        onSettled: () => void (sending === controller && (sending = null)),
        onSuccess: () =>
          useComposerStore.getState().clearAfterSend(`Sent to ${recipients} recipient${recipients > 1 ? 's' : ''}.`),
        onError: (e: Error) => {
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
          const ctx = options.draftContext();
          if (ctx && options.ownKey.status === 'valid') void saveDraft(ctx, 'after-failure');
        },
      },
    );
  };

  /** The sender's bound key as the plan needs it, and the name the passphrase dialog shows. */
  async function ownKeyState(): Promise<{ own: OwnKeyState; label: string | null }> {
    const { status, fingerprint } = options.ownKey;
    if (!fingerprint || status !== 'valid')
      return { own: { status, ...(fingerprint ? { fingerprint } : {}) }, label: null };
    const [record, unlocked] = await Promise.all([services.keystore.get(fingerprint), services.crypto.unlockedKeys()]);
    return {
      own: { status, fingerprint, armoredPublic: record.armoredPublic, unlocked: unlocked.includes(fingerprint) },
      label: record.summary.primaryUserId,
    };
  }

  async function submit(): Promise<void> {
    setOfferPlain(false);
    await draftSaveSettled();
    const store = useComposerStore.getState();
    // Text still being typed counts as entered.
    for (const field of FIELDS)
      if (store.pending[field].trim()) store.updateRecipientText(field, store.pending[field], true);
    const state = useComposerStore.getState();
    const chips: Chip[] = FIELDS.flatMap((f) => state.recipients[f]);
    const { identity, mailboxes } = options;
    try {
      const { own, label } = await ownKeyState();
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
      for (;;) {
        const plan = planSend(input);
        switch (plan.kind) {
          case 'blocked':
            setOfferPlain(plan.reason === 'keys-missing');
            return state.setStatus({ state: 'failed', message: plan.message });
          case 'needs-refresh': {
            state.setStatus({ state: 'sending', stage: 'checking-keys' });
            // The fresh answers land in the query cache, which keyOf reads.
            await refreshBeforeSend(plan.addresses, currentRecipientKeys(queryClient, plan.addresses));
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
            return deliver(
              {
                message: plan.prepared,
                revision: state.revision,
                mailboxes: mailboxes!,
                draftId: state.draftId,
                original: state.reply?.original ?? null,
              },
              chips.length,
            );
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
            return deliver(
              {
                message,
                revision: state.revision,
                mailboxes: mailboxes!,
                draftId: state.draftId,
                original: state.reply?.original ?? null,
              },
              chips.length,
            );
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

  return { submit, offerPlain, dismissOfferPlain: () => setOfferPlain(false) };
}
