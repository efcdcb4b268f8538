import { type FormEvent, useEffect, useId, useState } from 'react';
import { KeyStatusIcon } from '@/components/key-status-icon';
import { userMessage } from '@/core/errors/user-messages';
import { formatBytes } from '@/core/jmap/client';
import { createMessageId } from '@/core/mime/message-id';
import { useAccountSetup } from '@/lib/account-queries';
import { useServices } from '@/lib/services';
import { formatDate } from '@/lib/format';
import { useOwnKeyStatus } from '@/lib/keyring-queries';
import { currentRecipientKeys, useRecipientKeyStatuses, warmUpDiscovery } from '@/lib/recipient-keys';
import { useRefreshBeforeSend } from '@/lib/key-refresh';
import { useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useUnlockStore } from '@/stores/unlock-store';
import type { Security } from '@/core/send/send-message';
import { useQueryClient } from '@tanstack/react-query';
import { useJmapClient } from '@/stores/session-store';
import { AUTOSAVE_DELAY_MS, draftSaveSettled, saveDraft, type SaveDraftContext } from '../api/drafts';
import { prepareSecurity } from '../api/security';
import { useSendMessage } from '../api/use-send-message';
import { type Chip, type DraftStatus, type RecipientField as Field, reusableOutgoing, useComposerStore } from '../stores/composer-store';
import { RecipientField } from './recipient-field';
import { ViewTitle } from '@/components/view-title';

const FIELDS: Field[] = ['to', 'cc', 'bcc'];

const STAGE_TEXT = { 'checking-keys': 'Checking recipients’ keys with the key server…', building: 'Building the message…', encrypting: 'Encrypting and signing…', uploading: 'Uploading…', submitting: 'Submitting…' } as const;

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
  const send = useSendMessage((stage) => useComposerStore.getState().setStatus({ state: 'sending', stage }));
  const identities = setup.data?.identities ?? [];
  const identity = identities.find((i) => i.id === store.fromIdentityId) ?? identities[0];
  const ownKey = useOwnKeyStatus(identity?.email);
  const ready = ownKey.status !== 'pending' && !!identity;
  const [confirmPlain, setConfirmPlain] = useState(false);
  const autoEncrypt = useDiscoverySettingsStore((s) => s.autoEncrypt);
  const protectHeaders = useDiscoverySettingsStore((s) => s.protectHeaders);
  const validChips = FIELDS.flatMap((f) => store.recipients[f]).flatMap((c) => (c.valid ? [c] : []));
  const addresses = validChips.map((c) => c.mailbox.address);
  // Two yes/no answers: the composer re-renders when one of them flips, not for each key that arrives.
  const allValid = useRecipientKeyStatuses(addresses, (s) => s.length > 0 && s.every((status) => status === 'valid'));
  const anyValid = useRecipientKeyStatuses(addresses, (s) => s.some((status) => status === 'valid'));
  const encrypt = store.encryptChoice ?? (autoEncrypt && allValid);
  const encryptPossible = encrypt || anyValid;
  const signPossible = ownKey.status === 'valid';
  const sign = signPossible && (store.signChoice ?? true);
  const ask = useUnlockStore((s) => s.ask);
  const refreshBeforeSend = useRefreshBeforeSend();
  const status = store.status;
  // For the start-up benchmark (scripts/bench-keystore.ts): the composer is usable, keys included.
  useEffect(() => {
    if (ready && performance.getEntriesByName('compose-ready').length === 0) performance.mark('compose-ready');
  }, [ready]);
  const services = useServices();
  const client = useJmapClient();
  const queryClient = useQueryClient();
  const draftContext = (): SaveDraftContext | null =>
    identity && setup.data ? { services, client, queryClient, identity, mailboxes: setup.data.mailboxes, ownKey, encrypt } : null;
  const hasContent =
    FIELDS.some((f) => store.recipients[f].length > 0 || store.pending[f].trim() !== '') || store.subject.trim() !== '' || store.body.trim() !== '' || store.attachments.length > 0;
  const unsaved = store.revision !== store.savedRevision && hasContent;
  // Autosave, encrypted to the sender's own key only (a plaintext draft is only ever saved by hand).
  const autosave = unsaved && ownKey.status === 'valid' && status.state !== 'sending';
  useEffect(() => {
    if (!autosave) return;
    const timer = setTimeout(() => {
      const ctx = draftContext();
      if (ctx) void saveDraft(ctx, 'auto');
    }, AUTOSAVE_DELAY_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- re-armed by each edit (revision), not by every render
  }, [autosave, store.revision]);
  // Start the crypto worker and get the look-up code ready once the composer is idle, so the first
  // recipients' keys are not held up by loading OpenPGP.js (not part of the initial bundle) or by cold code.
  useEffect(() => {
    const warm = () => {
      void warmUpDiscovery(services, queryClient)
        .then(() => performance.mark('compose-warm')) // for scripts/bench-discovery.ts
        .catch(() => undefined);
    };
    const handle = typeof requestIdleCallback === 'function' ? requestIdleCallback(warm, { timeout: 2000 }) : setTimeout(warm, 500);
    return () => (typeof cancelIdleCallback === 'function' ? cancelIdleCallback(handle as number) : clearTimeout(handle as ReturnType<typeof setTimeout>));
  }, [services, queryClient]);


  async function submit(event: FormEvent) {
    event.preventDefault();
    setConfirmPlain(false);
    await draftSaveSettled();
    // Text still being typed counts as entered.
    for (const field of FIELDS) {
      const pending = useComposerStore.getState().pending[field];
      if (pending.trim()) store.updateRecipientText(field, pending, true);
    }
    const state = useComposerStore.getState();
    const all: Chip[] = FIELDS.flatMap((f) => state.recipients[f]);
    const invalid = all.filter((c) => !c.valid);
    if (!identity || !setup.data) return state.setStatus({ state: 'failed', message: 'Choose a From address first.' });
    if (invalid.length) {
      return state.setStatus({
        state: 'failed',
        message: `Not sent: ${invalid.map((c) => `"${c.input}"`).join(', ')} ${invalid.length > 1 ? 'are not valid e-mail addresses' : 'is not a valid e-mail address'}. Fix or remove ${invalid.length > 1 ? 'them' : 'it'} to send.`,
      });
    }
    if (all.length === 0) return state.setStatus({ state: 'failed', message: 'Not sent: add at least one recipient.' });
    const retry = reusableOutgoing(state);
    const recipients = all.length;
    const onSettled = {
      onSuccess: () => useComposerStore.getState().clearAfterSend(`Sent to ${recipients} recipient${recipients > 1 ? 's' : ''}.`),
      onError: (e: Error) => {
        const prepared = useComposerStore.getState().outgoing?.prepared;
        const done = prepared?.copies.filter((c) => c.result).flatMap((c) => c.envelope.rcptTo) ?? [];
        const left = prepared?.copies.filter((c) => !c.result).flatMap((c) => c.envelope.rcptTo) ?? [];
        const unsure = prepared?.copies.some((c) => c.uncertain);
        const partly = done.length ? ` Already sent to ${done.join(', ')}; not yet to ${left.join(', ')}. Send again to retry only the rest.` : '';
        const message = unsure
          ? `The connection failed before the server answered, so the message may have been sent. Send again: it checks with the server first and never sends it twice. (${userMessage(e)})`
          : `Not sent. ${userMessage(e)}${partly} Your message is still here.`;
        useComposerStore.getState().setStatus({ state: 'failed', message });
        // Keep it on the server too, encrypted, when the sender has a key (never in clear).
        const ctx = draftContext();
        if (ctx && ownKey.status === 'valid') void saveDraft(ctx, 'after-failure');
      },
    };
    if (retry) {
      // The message was built (and encrypted) by the failed try: send exactly that again.
      state.setStatus({ state: 'sending', stage: 'uploading' });
      return send.mutate({ message: retry.prepared, revision: state.revision, mailboxes: setup.data.mailboxes, draftId: state.draftId }, onSettled);
    }
    // Keys that look unusable may have been extended or replaced since: check before giving up.
    let states = currentRecipientKeys(queryClient, addresses);
    if (encrypt && states.some((d) => d?.status === 'invalid')) {
      state.setStatus({ state: 'sending', stage: 'checking-keys' });
      states = await refreshBeforeSend(addresses, states);
      state.setStatus({ state: 'idle' });
    }
    const statusOf = (i: number) => states[i]?.status ?? 'pending';
    if (encrypt) {
      // Security: never a silent fallback to plaintext.
      const pending = validChips.filter((_, i) => statusOf(i) === 'pending');
      const missing = validChips.filter((_, i) => statusOf(i) !== 'valid');
      const message = pending.length
        ? `Not sent: still looking for keys of ${pending.map((c) => c.mailbox.address).join(', ')}. Try again in a moment.`
        : missing.length
          ? `Not sent: encryption is on, but there is no usable key for ${missing.map((c) => c.mailbox.address).join(', ')}. Remove ${missing.length > 1 ? 'these recipients' : 'this recipient'}, or turn encryption off and send unencrypted.`
          : null;
      if (message) {
        setConfirmPlain(!pending.length);
        return state.setStatus({ state: 'failed', message });
      }
    }
    let security: Security | null = null;
    if (encrypt || sign || ownKey.status === 'valid') {
      try {
        security = await prepareSecurity({
          services, ask, identity, encrypt, sign, protectHeaders, ownKey,
          recipientKeys: Object.fromEntries(validChips.flatMap((c, i) => {
            const data = states[i];
            return data?.status === 'valid' ? [[c.key, data.armoredPublic]] : [];
          })),
        });
      } catch (e) {
        const cancelled = e instanceof Error && /cancelled/i.test(e.message);
        return state.setStatus({ state: 'failed', message: cancelled ? 'Not sent: the key was not unlocked.' : `Not sent. ${userMessage(e)}` });
      }
    }
    const messageId = state.messageId ?? createMessageId(identity.email);
    state.setMessageId(messageId);
    const mailboxes = (f: Field) => state.recipients[f].flatMap((c) => (c.valid ? [c.mailbox] : []));
    state.setStatus({ state: 'sending', stage: 'building' }); // stops autosave from here on
    send.mutate(
      {
        message: {
          identity,
          to: mailboxes('to'),
          cc: mailboxes('cc'),
          bcc: mailboxes('bcc'),
          subject: state.subject,
          text: state.body,
          files: state.attachments.map((a) => a.file),
          messageId,
          security,
        },
        revision: state.revision,
        mailboxes: setup.data.mailboxes,
        draftId: state.draftId,
      },
      onSettled,
    );
  }

  const invalidChips = FIELDS.flatMap((f) => store.recipients[f]).filter((c) => !c.valid);
  // One alert at a time, so that what failed is never split over several announcements.
  const alert =
    status.state === 'failed'
      ? status.message
      : invalidChips.length
        ? `${invalidChips.map((c) => (c.valid ? '' : c.reason)).join(' ')} Invalid addresses block sending: fix or remove them.`
        : null;

  return (
    <main aria-labelledby={`${id}-title`}>
      <ViewTitle id={`${id}-title`}>Compose</ViewTitle>
      {setup.isError && (
        <p role="alert" className="alert">
          Could not load your identities: {userMessage(setup.error)}
        </p>
      )}
      <form
        className="composer"
        onSubmit={(e) => void submit(e)}
        noValidate
        onKeyDown={(e) => {
          // Enter in a one-line field must not send the message by implicit form submission.
          if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox') e.preventDefault();
        }}
      >
        <div className="from-row">
          <label htmlFor={`${id}-from`}>From</label>
          <div className="from-control">
            <select
              id={`${id}-from`}
              value={identity?.id ?? ''}
              onChange={(e) => store.setFrom(e.target.value)}
              data-key-status={setup.isPending ? 'pending' : ownKey.status}
              {...(ownKey.fingerprint ? { 'data-key-fingerprint': ownKey.fingerprint } : {})}
              disabled={!identities.length}
              aria-describedby={`${id}-from-key`}
            >
              {identities.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name ? `${i.name} <${i.email}>` : i.email}
                </option>
              ))}
            </select>
            {identity && <KeyStatusIcon status={ownKey.status} subject={identity.email} />}
          </div>
          <p id={`${id}-from-key`} className={ownKey.status === 'invalid' || ownKey.expiresSoon ? 'warning' : 'hint'}>
            {ownKey.status === 'valid'
              ? ownKey.expiresSoon
                ? `Your key for ${identity?.email} expires on ${formatDate(ownKey.expires ?? null)}: extend it or make a new one soon.`
                : `Your key for ${identity?.email} is ready.`
              : ownKey.status === 'invalid'
                ? `The key bound to ${identity?.email} cannot be used: ${ownKey.detail}`
                : ownKey.status === 'none'
                  ? `No key is bound to ${identity?.email ?? 'this address'} (see Keys).`
                  : 'Checking your keys…'}
          </p>
        </div>
        {FIELDS.map((field) => (
          <RecipientField key={field} field={field} />
        ))}
        <label htmlFor={`${id}-subject`}>Subject</label>
        <input id={`${id}-subject`} type="text" value={store.subject} onChange={(e) => store.setSubject(e.target.value)} />
        <label htmlFor={`${id}-body`}>Message</label>
        <textarea id={`${id}-body`} rows={12} value={store.body} onChange={(e) => store.setBody(e.target.value)} />
        <div className="attachments">
          <label htmlFor={`${id}-files`}>Attach files</label>
          <input
            id={`${id}-files`}
            type="file"
            multiple
            onChange={(e) => {
              store.addFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
          {store.attachments.length > 0 && (
            <ul aria-label="Attachments" className="attachment-list">
              {store.attachments.map((a) => (
                <li key={a.id}>
                  <span>{a.file.name}</span> <span className="hint">({formatBytes(a.file.size)})</span>
                  <button type="button" className="link-button" aria-label={`Remove attachment ${a.file.name}`} onClick={() => store.removeAttachment(a.id)}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <fieldset className="security">
          <legend>Security</legend>
          <label className="check">
            <input
              type="checkbox"
              role="switch"
              checked={encrypt}
              disabled={!encryptPossible}
              aria-describedby={`${id}-encrypt-hint`}
              onChange={(e) => {
                setConfirmPlain(false);
                store.setEncryptChoice(e.target.checked);
              }}
            />{' '}
            Encrypt
          </label>
          <label className="check">
            <input type="checkbox" role="switch" checked={sign} disabled={!signPossible} aria-describedby={`${id}-sign-hint`} onChange={(e) => store.setSignChoice(e.target.checked)} /> Sign
          </label>
          <EncryptHint id={`${id}-encrypt-hint`} addresses={addresses} />
          <p id={`${id}-sign-hint`} className="hint">
            {signPossible ? 'Signed with your key for this address (its passphrase is asked when needed).' : 'Bind a key to this address (Keys) to sign.'}
          </p>
        </fieldset>
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
          <span role="status" className="status-text" data-draft-state={store.draftStatus.state}>
            {status.state === 'sending' ? STAGE_TEXT[status.stage] : status.state === 'sent' ? status.summary : draftText(store.draftStatus)}
          </span>
        </div>
        {alert && (
          <p role="alert" className="alert">
            {alert}
          </p>
        )}
        {confirmPlain && encrypt && status.state === 'failed' && (
          <div className="actions wrap" role="group" aria-label="Choices">
            <RemoveWithoutKey chips={validChips} onRemoved={() => setConfirmPlain(false)} />
            <button
              type="button"
              className="danger"
              onClick={() => {
                store.setEncryptChoice(false);
                setConfirmPlain(false);
                store.setStatus({ state: 'idle' });
              }}
            >
              Turn encryption off for this message
            </button>
          </div>
        )}
      </form>
    </main>
  );
}

/** Which recipients still lack a usable key (it changes with each key that arrives). */
function EncryptHint({ id, addresses }: { id: string; addresses: string[] }) {
  const missing = useRecipientKeyStatuses(addresses, (s) => addresses.filter((_, i) => s[i] !== 'valid').join(', '));
  return (
    <p id={id} className="hint">
      {addresses.length === 0 ? 'Add recipients: encryption needs a key for each of them.' : missing === '' ? 'Every recipient has a key.' : `No usable key yet for ${missing}.`}
    </p>
  );
}

function RemoveWithoutKey({ chips, onRemoved }: { chips: Extract<Chip, { valid: true }>[]; onRemoved: () => void }) {
  const addresses = chips.map((c) => c.mailbox.address);
  const without = useRecipientKeyStatuses(addresses, (s) => chips.filter((_, i) => s[i] !== 'valid').map((c) => c.id).join('\n'));
  const remove = useComposerStore((s) => s.removeRecipient);
  if (!without) return null;
  return (
    <button
      type="button"
      onClick={() => {
        const ids = new Set(without.split('\n'));
        for (const field of FIELDS) for (const c of useComposerStore.getState().recipients[field]) if (ids.has(c.id)) remove(field, c.id);
        onRemoved();
      }}
    >
      Remove recipients without a key
    </button>
  );
}
