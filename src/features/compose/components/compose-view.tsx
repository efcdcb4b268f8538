import { useEffect, useId } from 'react';
import { ViewTitle } from '@/components/view-title';
import { useAccountSetup } from '@/queries/account';
import { attachmentsWarning, minimumMessageSize, sizeLimitsOf, sizeProblem } from '@/core/send/size-limits';
import { progressText } from '@/core/progress';
import { useOwnKeyStatus } from '@/queries/own-key-status';
import { useQueryLayer } from '@/queries/query-layer';
import { useRecipientKeyStatuses } from '@/queries/recipient-key-statuses';
import { useServices } from '@/services/services';
import { useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useJmapClient } from '@/stores/session-store';
import { saveDraft } from '../api/compose-actions';
import type { SaveDraftContext } from '../api/drafts';
import { useAutosave, useDiscoveryWarmUp } from '../api/use-autosave';
import { cancelUpload } from '../api/send-control';
import { useComposeSend } from '../api/use-compose-send';
import {
  type DraftStatus,
  type RecipientField as Field,
  type SendStatus,
  useComposerStore,
} from '../stores/composer-store';
import { AttachmentsField } from './attachments-field';
import { DeliverySummary } from './delivery-summary';
import { FromRow } from './from-row';
import { RecipientField } from './recipient-field';
import { PlainChoices, SecurityFieldset } from './security-fieldset';

const FIELDS: Field[] = ['to', 'cc', 'bcc'];

const STAGE_TEXT = {
  'checking-keys': 'Checking recipients’ keys with the key server…',
  building: 'Building the message…',
  encrypting: 'Encrypting and signing…',
  uploading: 'Uploading…',
  submitting: 'Submitting…',
} as const;

function stageText(status: Extract<SendStatus, { state: 'sending' }>): string {
  const { stage, uploaded } = status;
  if (stage !== 'uploading' || !uploaded) return STAGE_TEXT[stage];
  return progressText('Uploading', uploaded.sent, uploaded.total);
}

function draftText(draft: DraftStatus): string {
  switch (draft.state) {
    case 'saving':
      return 'Saving draft…';
    case 'saved':
      return `${draft.encrypted ? 'Draft saved, encrypted to your key' : 'Draft saved (not encrypted)'} at ${draft.at.toLocaleTimeString()}.`;
    case 'failed':
      return draft.message;
    default:
      return '';
  }
}

export function ComposeView() {
  const id = useId();
  const setup = useAccountSetup();
  const store = useComposerStore();
  const identities = setup.identities;
  const identity = identities.find((i) => i.id === store.fromIdentityId) ?? identities[0];
  const ownKey = useOwnKeyStatus(identity?.email);
  const ready = ownKey.status !== 'pending' && !!identity;
  const autoEncrypt = useDiscoverySettingsStore((s) => s.autoEncrypt);
  const validChips = FIELDS.flatMap((f) => store.recipients[f]).flatMap((c) => (c.valid ? [c] : []));
  const addresses = validChips.map((c) => c.mailbox.address);
  // Two yes/no answers: the composer re-renders when one of them flips, not for each key that arrives.
  const allValid = useRecipientKeyStatuses(addresses, (s) => s.length > 0 && s.every((status) => status === 'valid'));
  const anyValid = useRecipientKeyStatuses(addresses, (s) => s.some((status) => status === 'valid'));
  const encrypt = store.encryptChoice ?? (autoEncrypt && allValid);
  const signPossible = ownKey.status === 'valid';
  const sign = signPossible && (store.signChoice ?? true);
  const status = store.status;
  // For the start-up benchmark (scripts/bench-keystore.ts): the composer is usable, keys included.
  useEffect(() => {
    if (ready && performance.getEntriesByName('compose-ready').length === 0) performance.mark('compose-ready');
  }, [ready]);
  const services = useServices();
  const client = useJmapClient();
  const queries = useQueryLayer();
  const draftContext = (): SaveDraftContext | null =>
    identity ? { services, client, queries, identity, mailboxes: setup.mailboxes, ownKey, encrypt } : null;
  const hasContent =
    FIELDS.some((f) => store.recipients[f].length > 0 || store.pending[f].trim() !== '') ||
    store.subject.trim() !== '' ||
    store.body.trim() !== '' ||
    store.attachments.length > 0;
  const unsaved = store.revision !== store.savedRevision && hasContent;
  const fileSizes = store.attachments.map((a) => a.file.size);
  useAutosave(
    unsaved && ownKey.status === 'valid' && status.state !== 'sending',
    store.revision,
    minimumMessageSize(fileSizes, true), // autosave encrypts to the sender's key
    draftContext,
  );
  useDiscoveryWarmUp(ready);
  const send = useComposeSend({ identity, mailboxes: setup.mailboxes, ownKey, encrypt, sign, draftContext });

  const invalidChips = FIELDS.flatMap((f) => store.recipients[f]).filter((c) => !c.valid);
  const limits = sizeLimitsOf(client.session);
  const tooLarge = sizeProblem(minimumMessageSize(fileSizes, encrypt), encrypt, limits);
  // One alert at a time, so that what failed is never split over several announcements.
  const alert =
    status.state === 'failed'
      ? status.message
      : invalidChips.length
        ? `${invalidChips.map((c) => (c.valid ? '' : c.reason)).join(' ')} Invalid addresses block sending: fix or remove them.`
        : tooLarge
          ? `Too large to send. ${tooLarge}`
          : null;

  return (
    <main aria-labelledby={`${id}-title`}>
      <ViewTitle id={`${id}-title`}>Compose</ViewTitle>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send.submit();
        }}
        noValidate
        onKeyDown={(e) => {
          // Enter in a one-line field must not send the message by implicit form submission.
          if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox')
            e.preventDefault();
        }}
      >
        <FromRow id={id} identities={identities} identity={identity} ownKey={ownKey} />
        {FIELDS.map((field) => (
          <RecipientField key={field} field={field} />
        ))}
        <label htmlFor={`${id}-subject`}>Subject</label>
        <input
          id={`${id}-subject`}
          type="text"
          value={store.subject}
          onChange={(e) => store.setSubject(e.target.value)}
        />
        <label htmlFor={`${id}-body`}>Message</label>
        <textarea id={`${id}-body`} rows={12} value={store.body} onChange={(e) => store.setBody(e.target.value)} />
        {store.reply?.quoteDropped && (
          <p className="hint" role="status">
            The quoted message was taken out: it was encrypted, and this answer is not.{' '}
            <button type="button" onClick={store.restoreQuote}>
              Put the quote back
            </button>
          </p>
        )}
        <AttachmentsField id={id} warning={tooLarge ? null : attachmentsWarning(fileSizes, encrypt, limits)} />
        <SecurityFieldset
          id={id}
          addresses={addresses}
          encrypt={encrypt}
          encryptPossible={encrypt || anyValid}
          sign={sign}
          signPossible={signPossible}
          onEncryptChange={send.dismissOfferPlain}
        />
        <DeliverySummary addresses={addresses} encrypt={encrypt} />
        <div className="actions">
          <button type="submit" className="primary" disabled={status.state === 'sending'}>
            Send
          </button>
          <button
            type="button"
            disabled={status.state === 'sending' || store.draftStatus.state === 'saving'}
            onClick={() => {
              const ctx = draftContext();
              if (ctx) void saveDraft(ctx, 'manual');
            }}
          >
            Save draft
          </button>
          {status.state === 'sending' && status.stage === 'uploading' && (
            <button type="button" onClick={cancelUpload}>
              Cancel upload
            </button>
          )}
          <span role="status" className="status-text" data-draft-state={store.draftStatus.state}>
            {status.state === 'sending'
              ? stageText(status)
              : status.state === 'sent'
                ? status.summary
                : draftText(store.draftStatus)}
          </span>
        </div>
        {alert && (
          <p role="alert" className="alert">
            {alert}
          </p>
        )}
        {send.offerPlain && encrypt && status.state === 'failed' && (
          <PlainChoices chips={validChips} onDone={send.dismissOfferPlain} />
        )}
      </form>
    </main>
  );
}
