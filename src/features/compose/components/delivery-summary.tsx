import { TRANSPORT_WORDS, type TransportStatus } from '@/core/transport/transport-status';
import { InQueryClient, useQueryIsland } from '@/queries/query-layer';
import { useRecipientKeyStatuses } from '@/queries/recipient-key-statuses';
import { recipientLive } from '../api/recipient-live-code';

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
          <SummaryRows addresses={unprotected} />
        </>
      )}
    </section>
  );
}

/** A failed download is tried again when the list changes. */
function SummaryRows({ addresses }: { addresses: string[] }) {
  const island = useQueryIsland(recipientLive, addresses.join('\n'));
  if (typeof island === 'string')
    return <RowsWithout addresses={addresses} status={island === 'failed' ? 'unknown' : 'pending'} />;
  return (
    <InQueryClient layer={island.layer}>
      <island.code.LiveSummaryRows addresses={addresses} />
    </InQueryClient>
  );
}

/** The rows before their transport checks can run, or when that code failed to load. */
function RowsWithout({ addresses, status }: { addresses: string[]; status: TransportStatus }) {
  return (
    <ul>
      {addresses.map((address) => (
        <li key={address} data-summary-recipient={address} data-transport={status}>
          {address}: {TRANSPORT_WORDS[status]}
        </li>
      ))}
    </ul>
  );
}
