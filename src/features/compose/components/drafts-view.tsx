import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ViewTitle } from '@/components/view-title';
import { userMessage } from '@/core/errors/user-messages';
import { formatBytes } from '@/core/jmap/client';
import { destroyEmails, type SentEmail } from '@/core/jmap/mail';
import { PROTECTED_SUBJECT } from '@/core/mime/header-protection';
import { useAccountSetup } from '@/queries/account';
import { draftKeys, useDraftList } from '@/queries/mail';
import { useServices } from '@/services/services';
import { useJmapClient } from '@/stores/session-store';
import { useComposerStore } from '../stores/composer-store';
import { loadIntoComposer, type ReadDraft, readStoredDraft } from '../api/open-draft';
import { UntrustedDraft } from './untrusted-draft';

const title = (e: SentEmail) => (e.subject === PROTECTED_SUBJECT ? 'Encrypted draft' : e.subject || '(no subject)');
const when = (e: SentEmail) => new Date(e.sentAt ?? e.receivedAt).toLocaleString();

export function DraftsView() {
  const id = useId();
  const client = useJmapClient();
  const services = useServices();
  const queryClient = useQueryClient();
  const setup = useAccountSetup();
  const draftsBox = setup.mailboxes.drafts;
  const [replacing, setReplacing] = useState<SentEmail | null>(null);
  const list = useDraftList(draftsBox);
  const [untrusted, setUntrusted] = useState<ReadDraft | null>(null);
  const toComposer = (read: ReadDraft) => {
    loadIntoComposer(read, setup.identities);
    window.location.hash = '#/compose';
  };
  const open = useMutation({
    mutationFn: (email: SentEmail) => readStoredDraft({ email, client, services }),
    onMutate: () => setUntrusted(null),
    // A draft not signed by the user's own key (nor saved by this browser) is only shown, not opened.
    onSuccess: (read) => (read.trusted ? toComposer(read) : setUntrusted(read)),
  });
  const remove = useMutation({
    mutationFn: async (email: SentEmail) => {
      await destroyEmails(client, [email.id]);
      const composer = useComposerStore.getState();
      if (composer.draftId === email.id) useComposerStore.setState({ draftId: null, savedRevision: -1 });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: draftKeys.all }),
  });
  const composerUnsaved = () => {
    const s = useComposerStore.getState();
    const empty =
      !s.subject.trim() &&
      !s.body.trim() &&
      !s.attachments.length &&
      !Object.values(s.recipients).some((r) => r.length);
    return !empty && s.revision !== s.savedRevision;
  };
  const start = (email: SentEmail) => {
    if (composerUnsaved()) return setReplacing(email);
    setReplacing(null);
    open.mutate(email);
  };
  const failure = open.error ?? remove.error ?? list.error;

  return (
    <main aria-labelledby={`${id}-title`}>
      <div className="view-header">
        <ViewTitle id={`${id}-title`}>Drafts</ViewTitle>
        <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
          Refresh
        </button>
      </div>
      <p className="hint">
        Drafts are stored on your mail server encrypted to your own key when a key is bound to the From address; they
        are decrypted here, in the browser.
      </p>
      {!draftsBox && (
        <p role="alert" className="alert">
          This account has no Drafts mailbox.
        </p>
      )}
      {failure && (
        <p role="alert" className="alert">
          {open.error
            ? 'Could not open the draft: '
            : remove.error
              ? 'Could not delete the draft: '
              : 'Could not load drafts: '}
          {userMessage(failure)}
        </p>
      )}
      {replacing && (
        <div role="group" aria-label="Unsaved message" className="actions wrap">
          <p>The composer holds a message that is not saved. Opening this draft replaces it.</p>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setReplacing(null);
              open.mutate(replacing);
            }}
          >
            Replace the unsaved message
          </button>
          <button type="button" onClick={() => setReplacing(null)}>
            Keep it
          </button>
        </div>
      )}
      {open.isPending && <p role="status">Opening the draft…</p>}
      {untrusted && (
        <UntrustedDraft
          read={untrusted}
          onOpen={() => {
            setUntrusted(null);
            toComposer(untrusted);
          }}
          onClose={() => setUntrusted(null)}
        />
      )}
      {list.isPending && draftsBox && <p role="status">Loading…</p>}
      {list.data && list.data.emails.length === 0 && <p>No drafts.</p>}
      {list.data && list.data.emails.length > 0 && (
        <table className="sent-list">
          <caption className="visually-hidden">Saved drafts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Draft</th>
              <th scope="col">Saved</th>
              <th scope="col">Size</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.emails.map((e) => (
              <tr
                key={e.id}
                data-email-id={e.id}
                data-draft-encrypted={e.subject === PROTECTED_SUBJECT ? 'true' : 'false'}
              >
                <td>{title(e)}</td>
                <td>{when(e)}</td>
                <td>{formatBytes(e.size)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Open draft: ${title(e)}, saved ${when(e)}`}
                    disabled={open.isPending}
                    onClick={() => start(e)}
                  >
                    Open
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete draft: ${title(e)}, saved ${when(e)}`}
                    disabled={remove.isPending}
                    onClick={() => remove.mutate(e)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
