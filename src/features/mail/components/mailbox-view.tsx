import { useId, useState } from 'react';
import { ViewTitle } from '@/components/view-title';
import { userMessage } from '@/core/errors/user-messages';
import { listedProtection, type SentEmail } from '@/core/jmap/mail';
import { PROTECTED_SUBJECT } from '@/core/mime/header-protection';
import { useAccountSetup } from '@/queries/account';
import { useMailboxPages } from '@/queries/mail';
import { useMailboxUpdates } from '@/queries/mailbox-updates';
import { useOpenedSubjects } from '../stores/opened-subjects';
import { MessageReader, type OnAnswer } from './message-reader';

const people = (list: SentEmail['from']) => (list ?? []).map((a) => a.name || a.email).join(', ');

function ListedMessage({
  email,
  role,
  open,
  onOpen,
}: {
  email: SentEmail;
  role: 'inbox' | 'sent';
  open: boolean;
  onOpen: () => void;
}) {
  const opened = useOpenedSubjects((s) => s.subjects[email.id]);
  const protection = listedProtection(email);
  const subject =
    opened ??
    (email.subject === PROTECTED_SUBJECT || email.subject === '...'
      ? 'Encrypted message'
      : email.subject || '(no subject)');
  const unread = role === 'inbox' && !email.keywords?.$seen;
  return (
    <li className={unread ? 'message-item unread' : 'message-item'}>
      <button
        type="button"
        className="message-link"
        data-message-id={email.id}
        aria-current={open ? 'true' : undefined}
        onClick={onOpen}
      >
        <span className="message-who">{role === 'sent' ? `To ${people(email.to)}` : people(email.from)}</span>
        <span className="message-subject">{subject}</span>
        <span className="message-markers">
          {unread && <span className="marker">Unread</span>}
          {protection === 'encrypted' && <span className="marker">Encrypted</span>}
          {protection === 'signed' && <span className="marker">Signed</span>}
          {email.keywords?.$answered && <span className="marker">Answered</span>}
          {email.keywords?.$forwarded && <span className="marker">Forwarded</span>}
          {email.hasAttachment && <span className="marker">Attachment</span>}
        </span>
        <time className="message-date" dateTime={email.receivedAt}>
          {new Date(email.sentAt ?? email.receivedAt).toLocaleString()}
        </time>
      </button>
    </li>
  );
}

/** A mailbox (Inbox or Sent) newest first, with the message reader beside it. */
export function MailboxView({ role, onAnswer }: { role: 'inbox' | 'sent'; onAnswer: OnAnswer }) {
  const id = useId();
  const setup = useAccountSetup();
  const mailbox = setup.mailboxes[role];
  const pages = useMailboxPages(mailbox);
  useMailboxUpdates();
  const [openId, setOpenId] = useState<string | null>(null);
  const emails = pages.data?.pages.flatMap((p) => p.emails) ?? [];
  const open = emails.find((e) => e.id === openId) ?? null;
  const title = role === 'inbox' ? 'Inbox' : 'Sent';
  return (
    <main aria-labelledby={`${id}-title`} className="mailbox-view">
      <div className="view-header">
        <ViewTitle id={`${id}-title`}>{title}</ViewTitle>
        <button type="button" onClick={() => void pages.refetch()} disabled={pages.isFetching}>
          Refresh
        </button>
      </div>
      {!mailbox && (
        <p role="alert" className="alert">
          This account has no {title} mailbox.
        </p>
      )}
      {pages.isError && (
        <p role="alert" className="alert">
          Could not load the messages: {userMessage(pages.error)}
        </p>
      )}
      {pages.isPending && mailbox && <p role="status">Loading…</p>}
      {pages.data && emails.length === 0 && <p>{role === 'inbox' ? 'No messages yet.' : 'Nothing sent yet.'}</p>}
      <div className="mailbox-panes">
        {emails.length > 0 && (
          <div className="message-list-pane">
            <ul className="message-list" aria-label={`${title} messages, newest first`}>
              {emails.map((e) => (
                <ListedMessage key={e.id} email={e} role={role} open={e.id === openId} onOpen={() => setOpenId(e.id)} />
              ))}
            </ul>
            {pages.hasNextPage && (
              <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
                Load older messages
              </button>
            )}
          </div>
        )}
        {open && <MessageReader key={open.id} email={open} onAnswer={onAnswer} onClose={() => setOpenId(null)} />}
      </div>
    </main>
  );
}
