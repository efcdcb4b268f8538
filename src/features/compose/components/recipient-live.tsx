import { memo } from 'react';
import { TRANSPORT_WORDS, domainOf } from '@/core/transport/transport-status';
import { useRecipientKey, useRecipientKeyActions } from '@/queries/recipient-keys';
import { useTransportStatus } from '@/queries/transport';
import type { Chip } from '../stores/composer-store';
import { keyAttributes, RecipientChip } from './recipient-chip';
import type { ChipListProps } from './recipient-field';
import { RecipientKeyDetails } from './recipient-key-details';

// What the composer shows from the query layer (key look-ups, transport checks): it loads with the
// layer, after the composer is usable; until then the same markup says `pending` (recipient-field.tsx).

/** One chip with its look-up; removing the chip unmounts the query and aborts the look-up. */
function LiveChip({ chip, ...props }: Omit<Parameters<typeof RecipientChip>[0], 'keyState' | 'transport'>) {
  const lookup = useRecipientKey(chip.valid ? chip.mailbox.address : '', chip.valid);
  const transport = useTransportStatus(chip.valid ? domainOf(chip.mailbox.address) : '', chip.valid);
  return (
    <RecipientChip
      chip={chip}
      {...props}
      keyState={keyAttributes(lookup.data, lookup.isPending || (lookup.isFetching && !lookup.data))}
      transport={transport?.status ?? 'pending'}
    />
  );
}

export function LiveChipList({ chips, detailsId, openChip, onToggleDetails, onRemove }: ChipListProps) {
  return (
    <ul className="chips">
      {chips.map((chip) => (
        <LiveChip
          key={chip.id}
          chip={chip}
          detailsId={detailsId}
          detailsOpen={openChip === chip.id}
          onToggleDetails={() => onToggleDetails(chip.id)}
          onRemove={() => onRemove(chip.id)}
        />
      ))}
    </ul>
  );
}

/** The details panel of the chip whose key icon was pressed (shares that chip's query). */
export function LiveKeyDetails({ id, chip }: { id: string; chip: Extract<Chip, { valid: true }> }) {
  const lookup = useRecipientKey(chip.mailbox.address);
  const transport = useTransportStatus(domainOf(chip.mailbox.address));
  const { retry } = useRecipientKeyActions();
  return (
    <RecipientKeyDetails
      id={id}
      address={chip.mailbox.address}
      state={lookup.data}
      transport={transport}
      onRetry={() => void retry(chip.mailbox.address)}
    />
  );
}

/**
 * Rows of one domain share its query, and rows that mount together share one request to the
 * companion. Memoised: each recipient key that settles re-renders the summary, not every row.
 */
const LiveSummaryRow = memo(function LiveSummaryRow({ address }: { address: string }) {
  const status = useTransportStatus(domainOf(address))?.status ?? 'pending';
  return (
    <li data-summary-recipient={address} data-transport={status}>
      {address}: {TRANSPORT_WORDS[status]}
    </li>
  );
});

export function LiveSummaryRows({ addresses }: { addresses: string[] }) {
  return (
    <ul>
      {addresses.map((address) => (
        <LiveSummaryRow key={address} address={address} />
      ))}
    </ul>
  );
}

export { prefetchCompanionConfig } from '@/queries/companion';
export { prefetchRecipientKeys, warmUpDiscovery } from '@/queries/recipient-keys';
export { prefetchTransport, preloadTransportCode } from '@/queries/transport';
