import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { deleteEmail, setKeywords, type SentEmail } from '@/core/jmap/mail';
import { formatMailbox } from '@/core/mime/addresses';
import { answer, type Answer, type AnswerKind } from '@/core/reading/reply';
import type { OpenedMessage } from '@/core/reading/types';
import { useAccountSetup } from '@/queries/account';
import { mailboxKeys, useRawMessage } from '@/queries/mail';
import { recipientKeyKeys } from '@/queries/query-keys';
import { progressText } from '@/core/progress';
import { useServices } from '@/services/services';
import { useJmapClient } from '@/stores/session-store';
import { openReceived } from '../api/open-received';
import { useOpenedSubjects } from '../stores/opened-subjects';
import { MessageBody } from './message-body';

export type OnAnswer = (answer: Answer<Blob>, originalEmailId: string) => void;

const ENCRYPTION_WORDS: Record<OpenedMessage['encryption'], string> = {
  none: 'Not encrypted.',
  encrypted: 'Encrypted end to end, and decrypted in this browser.',
  partial: 'Only part of this message is encrypted: an encrypted part among other parts is not opened.',
  failed: 'Could not be decrypted: nothing of it is shown.',
  'no-key': 'Encrypted to a key that is not in this browser.',
  locked: 'Encrypted: unlock your key to read it.',
};

const SIGNATURE_WORDS: Record<OpenedMessage['signature'], string> = {
  unsigned: 'Not signed.',
  valid: 'Signed by the sender.',
  changed: 'Signed with a key of the sender other than the one pinned for them.',
  'unknown-key': 'Signed, but the signer’s key is not known.',
  mismatch: 'Signed, but not by the sender it names.',
  bad: 'The signature is not valid.',
  revoked: 'Signed with a revoked key.',
  expired: 'Signed with an expired key.',
  partial: 'Only part of this message is signed.',
};

const names = (list: { name: string | null; address: string }[]) => list.map(formatMailbox).join(', ');

/** Opened messages up to this size stay decrypted for a minute after they are closed. */
const KEEP_OPENED_BELOW = 8 * 1024 * 1024;

/** A message opened in the app's chrome: what is true of it is said here, never inside its content. */
/** Large messages take a while to download and decrypt: say how far it got. */
function openingText(progress: { received: number; total: number } | null): string {
  return progress ? progressText('Opening', progress.received, progress.total) : 'Opening…';
}

export function MessageReader({
  email,
  onAnswer,
  onClose,
}: {
  email: SentEmail;
  onAnswer: OnAnswer;
  onClose: () => void;
}) {
  const id = useId();
  const client = useJmapClient();
  const services = useServices();
  const queryClient = useQueryClient();
  const setup = useAccountSetup();
  const [extraKeys, setExtraKeys] = useState<string[]>([]);
  const [showRaw, setShowRaw] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [progress, setProgress] = useState<{ received: number; total: number } | null>(null);
  const remember = useOpenedSubjects((s) => s.remember);
  const opened = useQuery({
    queryKey: ['opened', client.session.accountId, email.id, extraKeys.length, attempt],
    queryFn: () => {
      setProgress(null);
      return openReceived({
        email,
        client,
        services,
        extraKeys,
        onProgress: (received, total) => setProgress({ received, total }),
        onAutocrypt: (addresses) =>
          addresses.forEach(
            (address) => void queryClient.invalidateQueries({ queryKey: recipientKeyKeys.lookup(address) }),
          ),
      });
    },
    staleTime: Infinity,
    // A large message's files are dropped as soon as it is closed: opening a few must not add up.
    gcTime: email.size > KEEP_OPENED_BELOW ? 0 : 60_000,
    retry: false,
  });
  const data = opened.data;
  useEffect(() => {
    if (data && data.encryption === 'encrypted') remember(email.id, data.headers.subject);
  }, [data, email.id, remember]);
  useEffect(() => {
    if (!data || email.keywords?.$seen) return;
    void setKeywords(client, email.id, { $seen: true })
      .then(() => queryClient.invalidateQueries({ queryKey: mailboxKeys.all }))
      .catch(() => undefined);
  }, [data, email.id, email.keywords, client, queryClient]);

  const lookUp = useMutation({
    mutationFn: async () => {
      const from = data?.headers.from[0]?.address;
      if (!from) throw new Error('No sender address');
      const found = await services.discovery.discoverKey(from);
      if (found.status !== 'found' && found.status !== 'invalid') return null;
      return found.armoredPublic;
    },
    onSuccess: (key) => key && setExtraKeys((k) => [...k, key]),
  });

  const remove = useMutation({
    mutationFn: () => deleteEmail(client, email.id, setup.mailboxes),
    onSuccess: () => {
      onClose();
      return queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
    },
  });
  const own = setup.identities.map((i) => i.email);
  const start = (kind: AnswerKind) => data && onAnswer(answer(data, kind, own), email.id);
  const encryption = data?.encryption ?? (opened.isError ? 'failed' : 'pending');
  const signature = data?.signature ?? (opened.isError ? 'unsigned' : 'pending');
  const subject = data ? data.headers.subject || '(no subject)' : email.subject || '(no subject)';
  const from = data?.headers.from ?? (email.from ?? []).map((a) => ({ name: a.name, address: a.email }));
  return (
    <article
      role="article"
      className="message-reader"
      aria-labelledby={`${id}-subject`}
      data-message-id={email.id}
      data-encryption={encryption}
      data-signature={signature}
      {...(data?.signer?.fingerprint ? { 'data-signer-fingerprint': data.signer.fingerprint.toUpperCase() } : {})}
    >
      <header className="message-header">
        <h2 id={`${id}-subject`}>{subject}</h2>
        <dl className="message-fields">
          <dt>From</dt>
          <dd>
            {from.map((m, i) => (
              <span key={i} className="sender">
                {m.name && <span className="display-name">“{m.name}” </span>}
                <strong className="sender-address">&lt;{m.address}&gt;</strong>
              </span>
            ))}
          </dd>
          {data && data.headers.to.length > 0 && (
            <>
              <dt>To</dt>
              <dd>{names(data.headers.to)}</dd>
            </>
          )}
          {data && data.headers.cc.length > 0 && (
            <>
              <dt>Cc</dt>
              <dd>{names(data.headers.cc)}</dd>
            </>
          )}
          <dt>Date</dt>
          <dd>{new Date(data?.headers.date ?? email.sentAt ?? email.receivedAt).toLocaleString()}</dd>
        </dl>
        <div className="message-security" aria-label="Message security">
          <p data-status-kind="encryption">
            {encryption === 'pending' ? openingText(progress) : ENCRYPTION_WORDS[encryption]}
            {data?.encryptionProblem && encryption === 'failed' && <> ({data.encryptionProblem})</>}
          </p>
          {data && (
            <p data-status-kind="signature">
              {SIGNATURE_WORDS[data.signature]}{' '}
              {data.signatureDetail && data.signature !== 'valid' ? data.signatureDetail : ''}
              {data.signer?.fingerprint && (
                <>
                  {' '}
                  Key <code>{data.signer.fingerprint}</code>
                  {data.signer.addresses[0] ? ` (${data.signer.addresses[0]})` : ''}
                  {data.signer.created ? `, signed ${new Date(data.signer.created).toLocaleString()}` : ''}.
                </>
              )}
            </p>
          )}
          {data?.signatureWarning && (
            <p className="hint" data-signature-warning="date">
              {data.signatureWarning}
            </p>
          )}
          {data && data.injectedHeaders.length > 0 && (
            <p className="hint">
              Header fields added outside the protected message were ignored: {data.injectedHeaders.join('; ')}
            </p>
          )}
          {data?.signature === 'unknown-key' && (
            <button type="button" onClick={() => lookUp.mutate()} disabled={lookUp.isPending}>
              Look up the sender’s key
            </button>
          )}
          {lookUp.isSuccess && lookUp.data === null && <p role="status">No key found for the sender.</p>}
          {lookUp.isError && (
            <p role="alert" className="alert">
              Look-up failed: {userMessage(lookUp.error)}
            </p>
          )}
          {(encryption === 'locked' || opened.isError) && (
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          )}
        </div>
        <div className="message-actions">
          <button type="button" onClick={() => start('reply')} disabled={!data}>
            Reply
          </button>
          <button type="button" onClick={() => start('reply-all')} disabled={!data}>
            Reply all
          </button>
          <button type="button" onClick={() => start('forward')} disabled={!data}>
            Forward
          </button>
          <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
            Delete
          </button>
          <button type="button" onClick={() => setShowRaw((v) => !v)} aria-pressed={showRaw}>
            Raw source
          </button>
          <button type="button" onClick={onClose}>
            Close message
          </button>
        </div>
      </header>
      {remove.isError && (
        <p role="alert" className="alert">
          Could not delete the message: {userMessage(remove.error)}
        </p>
      )}
      {opened.isError && (
        <p role="alert" className="alert">
          Could not open the message: {userMessage(opened.error)}
        </p>
      )}
      {data && <MessageBody opened={data} />}
      {showRaw && <RawSource email={email} />}
    </article>
  );
}

function RawSource({ email }: { email: SentEmail }) {
  const raw = useRawMessage(email.blobId);
  if (raw.isPending) return <p role="status">Loading…</p>;
  if (raw.isError)
    return (
      <p role="alert" className="alert">
        Could not load the message: {userMessage(raw.error)}
      </p>
    );
  return (
    <pre tabIndex={0} aria-label="Raw message source" data-testid="raw-message" className="raw-message">
      {raw.data}
    </pre>
  );
}
