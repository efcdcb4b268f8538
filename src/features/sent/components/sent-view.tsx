import { useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { formatBytes } from '@/core/jmap/client';
import type { SentEmail } from '@/core/jmap/mail';
import { useAccountSetup } from '@/queries/account';
import { useRawMessage, useSentList } from '@/queries/mail';
import { ViewTitle } from '@/components/view-title';

const people = (e: SentEmail) => [...(e.to ?? []), ...(e.cc ?? []), ...(e.bcc ?? [])].map((a) => a.email).join(', ');

function RawMessage({ email, onClose }: { email: SentEmail; onClose: () => void }) {
  const id = useId();
  const raw = useRawMessage(email.blobId);
  return (
    <section className="raw-message" aria-labelledby={`${id}-h`}>
      <div className="raw-header">
        <h2 id={`${id}-h`}>Raw message: {email.subject || '(no subject)'}</h2>
        <button type="button" onClick={onClose}>
          Close message
        </button>
      </div>
      <p className="hint">Exactly the bytes the server stored for this message ({formatBytes(email.size)}).</p>
      {raw.isPending && <p role="status">Loading…</p>}
      {raw.isError && (
        <p role="alert" className="alert">
          Could not load the message: {userMessage(raw.error)}
        </p>
      )}
      {raw.data !== undefined && (
        <pre tabIndex={0} aria-label="Raw message source" data-testid="raw-message">
          {raw.data}
        </pre>
      )}
    </section>
  );
}

export function SentView() {
  const setup = useAccountSetup();
  const id = useId();
  const [open, setOpen] = useState<SentEmail | null>(null);
  const sentBox = setup.data?.mailboxes.sent;
  const list = useSentList(sentBox);

  return (
    <main aria-labelledby={`${id}-title`}>
      <div className="view-header">
        <ViewTitle id={`${id}-title`}>Sent</ViewTitle>
        <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
          Refresh
        </button>
      </div>
      {setup.data && !sentBox && (
        <p role="alert" className="alert">
          This account has no Sent mailbox.
        </p>
      )}
      {(list.isError || setup.isError) && (
        <p role="alert" className="alert">
          Could not load sent messages: {userMessage(list.error ?? setup.error)}
        </p>
      )}
      {list.isPending && sentBox && <p role="status">Loading…</p>}
      {list.data && list.data.emails.length === 0 && <p>Nothing sent yet.</p>}
      {list.data && list.data.emails.length > 0 && (
        <table className="sent-list">
          <caption className="visually-hidden">Messages sent from this account, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Recipients</th>
              <th scope="col">Sent</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {list.data.emails.map((e) => (
              <tr key={e.id} data-email-id={e.id} aria-current={open?.id === e.id ? 'true' : undefined}>
                <td>
                  <button type="button" className="link-button" onClick={() => setOpen(e)}>
                    {e.subject || '(no subject)'}
                  </button>
                  {e.hasAttachment && <span className="hint"> (attachment)</span>}
                </td>
                <td>{people(e)}</td>
                <td>{new Date(e.sentAt ?? e.receivedAt).toLocaleString()}</td>
                <td>{formatBytes(e.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <RawMessage email={open} onClose={() => setOpen(null)} />}
    </main>
  );
}
