import { useState } from 'react';
import { keyStatusWords } from '@/components/key-status-icon';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import type { FoundKey, SourceFailure } from '@/core/discovery/types';
import { TRANSPORT_WORDS, type TransportView } from '@/core/transport/transport-status';
import { userMessage } from '@/core/errors/user-messages';
import { formatDate, groupFingerprint } from '@/lib/format';
import { useRecipientKeyActions } from '@/queries/recipient-keys';

const SOURCE_NAMES = {
  keystore: 'your keystore',
  wkd: 'the recipient’s domain (WKD)',
  vks: 'the key server (VKS)',
  autocrypt: 'the recipient’s own mail (Autocrypt)',
} as const;

const SOURCE_LABELS = { wkd: 'WKD', vks: 'Key server', autocrypt: 'Autocrypt' } as const;

/** Where an Autocrypt key came from, and what it does not prove. */
function AutocryptNote({ origin }: { origin: NonNullable<FoundKey['autocrypt']> }) {
  return (
    <p className="hint">
      {origin.from === 'header'
        ? `The Autocrypt header of their mail of ${formatDate(origin.seen)} carried it.`
        : `Another correspondent's encrypted mail of ${formatDate(origin.seen)} passed it on (Autocrypt gossip).`}{' '}
      {origin.stale && 'Their more recent mail did not confirm it. '}
      Autocrypt does not protect against someone who can change mail on its way: compare the fingerprint with the
      recipient if it matters.
    </p>
  );
}

function Failures({ failures }: { failures: SourceFailure[] }) {
  if (!failures.length) return <p>Key look-ups are turned off in Settings.</p>;
  return (
    <ul>
      {failures.map((f, i) => (
        <li key={i}>
          {SOURCE_LABELS[f.source]}: {f.detail}
          {f.url && <span className="hint url"> ({f.url})</span>}
        </li>
      ))}
    </ul>
  );
}

/** What is known about one recipient's key, with the actions that fit its state. */
export function RecipientKeyDetails({
  id,
  address,
  state,
  transport,
  onRetry,
}: {
  id: string;
  address: string;
  state: RecipientKey | undefined;
  transport: TransportView | undefined;
  onRetry: () => void;
}) {
  const actions = useRecipientKeyActions();
  const [message, setMessage] = useState<string | null>(null);
  const run = (work: () => Promise<unknown>, done: string) =>
    void work().then(
      () => setMessage(done),
      (e: unknown) => setMessage(userMessage(e)),
    );
  return (
    <section id={id} className="key-details-popover" aria-label={`Key details for ${address}`}>
      {!state && (
        <p>
          {keyStatusWords('pending')} for {address}…
        </p>
      )}
      {state?.status === 'valid' && (
        <>
          <p>
            <strong>{keyStatusWords('valid')}.</strong> Found in {SOURCE_NAMES[state.source]}.
          </p>
          <dl className="facts compact">
            <dt>Fingerprint</dt>
            <dd className="fingerprint">{groupFingerprint(state.fingerprint)}</dd>
            {state.url && (
              <>
                <dt>Found at</dt>
                <dd className="url">{state.url}</dd>
              </>
            )}
            <dt>First seen</dt>
            <dd>{formatDate(state.firstSeen)}</dd>
            <dt>Expires</dt>
            <dd>{formatDate(state.summary.expires)}</dd>
          </dl>
          {state.autocrypt && <AutocryptNote origin={state.autocrypt} />}
          {state.source !== 'keystore' && (
            <button
              type="button"
              onClick={() => run(() => actions.importKey(address, state.armoredPublic), 'Added to your keystore.')}
            >
              Import key to keystore
            </button>
          )}
        </>
      )}
      {state?.status === 'invalid' && (
        <>
          <p>
            <strong>{keyStatusWords('invalid')}.</strong> {state.problem}
          </p>
          <p className="hint">
            {groupFingerprint(state.fingerprint)} from {SOURCE_NAMES[state.source]}
            {state.url ? ` (${state.url})` : ''}
          </p>
        </>
      )}
      {state?.status === 'changed' && (
        <>
          <p>
            <strong>The key for {address} changed.</strong> Mail is not encrypted to it until you decide. Compare
            fingerprints with the recipient through another channel.
          </p>
          <dl className="facts compact">
            <dt>Key used so far (since {formatDate(state.pinned.firstSeen)})</dt>
            <dd className="fingerprint">{groupFingerprint(state.pinned.fingerprint)}</dd>
            <dt>New key from {SOURCE_NAMES[state.found.source]}</dt>
            <dd className="fingerprint">{groupFingerprint(state.found.fingerprint)}</dd>
          </dl>
          {state.found.autocrypt && <AutocryptNote origin={state.found.autocrypt} />}
          <div className="actions">
            <button
              type="button"
              onClick={() => run(() => actions.decide(state, true), 'The new key is used from now on.')}
            >
              Accept new key
            </button>
            <button type="button" onClick={() => run(() => actions.decide(state, false), 'The old key stays in use.')}>
              Keep old key
            </button>
          </div>
        </>
      )}
      {(state?.status === 'none' || state?.status === 'error') && (
        <>
          <p>
            <strong>{keyStatusWords(state.status)}.</strong>{' '}
            {state.status === 'none'
              ? `No key for ${address} was found.`
              : `The look-up failed, so it is not known whether ${address} has a key.`}
          </p>
          {state.detail && <p>{state.detail}</p>}
          <Failures failures={state.failures} />
        </>
      )}
      {state && state.status !== 'changed' && (
        <button type="button" onClick={onRetry}>
          Retry look-up
        </button>
      )}
      {message && <p role="status">{message}</p>}
      <p className="transport-details" data-transport-details={transport?.status ?? 'pending'}>
        <strong>In transit: {TRANSPORT_WORDS[transport?.status ?? 'pending']}.</strong> {transport?.detail}
        {transport && !['dane', 'mta-sts', 'local'].includes(transport.status) && (
          <> Only end-to-end encryption protects the message itself.</>
        )}
      </p>
    </section>
  );
}
