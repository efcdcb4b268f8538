import { useId } from 'react';
import { formatMailbox } from '@/core/mime/addresses';
import type { ReadDraft } from '../api/open-draft';

/**
 * A draft that is not provably the user's own (no signature by their key, not saved by this
 * browser): anyone who has the user's public key can encrypt a "draft" and put it in Drafts, e.g.
 * to have it sent in the user's name. Shown read-only; only an explicit choice opens it.
 */
export function UntrustedDraft({
  read,
  onOpen,
  onClose,
}: {
  read: ReadDraft;
  onOpen: () => void;
  onClose: () => void;
}) {
  const id = useId();
  const { draft } = read;
  const people = [...draft.to, ...draft.cc, ...draft.bcc].map(formatMailbox).join(', ');
  return (
    <section className="raw-message" aria-labelledby={`${id}-h`} data-draft-trusted="false">
      <h2 id={`${id}-h`}>Draft not signed by your key: {draft.subject || '(no subject)'}</h2>
      <p role="alert" className="alert">
        This draft was not saved by you in this browser and is not signed by any of your keys. Anyone who has your
        public key could have put it in your Drafts. Read it before you open it for sending.
      </p>
      <dl className="plain">
        <dt>From</dt>
        <dd>{formatMailbox(draft.from)}</dd>
        <dt>To</dt>
        <dd>{people || '(nobody)'}</dd>
        <dt>Attachments</dt>
        <dd>{draft.attachments.map((a) => a.name).join(', ') || 'none'}</dd>
      </dl>
      <pre tabIndex={0} aria-label="Draft text">
        {draft.text}
      </pre>
      <div className="actions">
        <button type="button" className="danger" onClick={onOpen}>
          Open as draft anyway
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
