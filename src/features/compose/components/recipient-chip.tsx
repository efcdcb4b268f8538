import { KeyStatusButton, type KeyStatus } from '@/components/key-status-icon';
import type { RecipientKey } from '@/core/discovery/resolve-recipient';
import { formatMailbox } from '@/core/mime/addresses';
import type { TransportStatus } from '@/core/transport/transport-status';
import type { Chip } from '../stores/composer-store';

export type ChipKey = { status: KeyStatus; source?: string; fingerprint?: string };

/** The data-* view of a recipient's key state (UI contract). */
export function keyAttributes(state: RecipientKey | undefined, pending: boolean): ChipKey {
  if (!state || pending) return { status: 'pending' };
  if (state.status === 'changed')
    return { status: 'changed', source: state.found.source, fingerprint: state.found.fingerprint };
  if (state.status === 'valid' || state.status === 'invalid')
    return { status: state.status, source: state.source, fingerprint: state.fingerprint };
  return { status: state.status };
}

export type ChipProps = {
  chip: Chip;
  detailsId: string;
  detailsOpen: boolean;
  onToggleDetails: () => void;
  onRemove: () => void;
};

/** One recipient: its key icon and transport status (as looked up, or `pending`), address and remove button. */
export function RecipientChip({
  chip,
  detailsId,
  detailsOpen,
  onToggleDetails,
  onRemove,
  keyState,
  transport,
}: ChipProps & { keyState: ChipKey; transport: TransportStatus }) {
  const subject = chip.valid ? chip.mailbox.address : chip.input;
  const key = chip.valid ? keyState : { status: 'none' as const };
  return (
    <li
      className={chip.valid ? `chip chip-${key.status}` : 'chip chip-invalid'}
      data-recipient={chip.key}
      data-key-status={key.status}
      {...(key.source ? { 'data-key-source': key.source } : {})}
      {...(key.fingerprint ? { 'data-key-fingerprint': key.fingerprint } : {})}
      {...(chip.valid ? { 'data-transport': transport } : {})}
      aria-invalid={chip.valid ? undefined : 'true'}
      title={chip.valid ? undefined : chip.reason}
    >
      {chip.valid && (
        <KeyStatusButton
          status={key.status}
          subject={subject}
          expanded={detailsOpen}
          controls={detailsId}
          onClick={onToggleDetails}
        />
      )}
      <span className="chip-text">{chip.valid ? formatMailbox(chip.mailbox) : chip.input}</span>
      {!chip.valid && <span className="visually-hidden">(not a valid address: {chip.reason})</span>}
      <button type="button" className="chip-remove" aria-label={`Remove ${subject}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}
