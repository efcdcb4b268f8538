import { memo } from 'react';
import { domainOf, TRANSPORT_WORDS } from '@/core/transport/transport-status';
import { useRecipientKeyStatuses } from '@/queries/recipient-keys';
import { useTransportStatus } from '@/queries/transport';

/**
 * Above Send, always: who gets this message without end-to-end encryption, and what (if
 * anything) the recipient's domain promises for its way there. It informs; Send stays one click.
 */
export function DeliverySummary({ addresses, encrypt }: { addresses: string[]; encrypt: boolean }) {
  const keyStatuses = useRecipientKeyStatuses(addresses, (s) => s.join(',')).split(',');
  const recipients = [...new Set(addresses)];
  // With encryption on, a recipient without a usable key blocks Send: listed too, so the choice is clear.
  const unprotected = encrypt ? recipients.filter((_, i) => keyStatuses[i] !== 'valid') : recipients;
  return (
    <section className="delivery-summary" aria-label="Delivery summary" aria-live="polite">
      <h2 className="visually-hidden">Delivery summary</h2>
      {recipients.length === 0 ? (
        <p>No recipients yet.</p>
      ) : unprotected.length === 0 ? (
        <p data-delivery="end-to-end">End-to-end encrypted for every recipient: only they can read it.</p>
      ) : (
        <>
          <p data-delivery={encrypt ? 'blocked' : 'transport'}>
            {encrypt
              ? 'These recipients have no usable key, so the message cannot be encrypted to them:'
              : 'Not end-to-end encrypted. On its way to each recipient’s mail server it is protected only by what their domain promises:'}
          </p>
          <ul>
            {unprotected.map((address) => (
              <SummaryRow key={address} address={address} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * Rows of one domain share its query, and rows that mount together share one request to the
 * companion. Memoised: each recipient key that settles re-renders the summary, not every row.
 */
const SummaryRow = memo(function SummaryRow({ address }: { address: string }) {
  const status = useTransportStatus(domainOf(address))?.status ?? 'pending';
  return (
    <li data-summary-recipient={address} data-transport={status}>
      {address}: {TRANSPORT_WORDS[status]}
    </li>
  );
});
