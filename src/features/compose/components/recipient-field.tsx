import { type KeyboardEvent, memo, useId, useState } from 'react';
import { CODE_UNAVAILABLE_MESSAGE } from '@/core/load-once';
import { domainOf } from '@/core/transport/transport-status';
import { InQueryClient, useQueryIsland, useQueryLayer } from '@/queries/query-layer';
import { useServices } from '@/services/services';
import { recipientLive, recipientLiveIfLoaded } from '../api/recipient-live-code';
import { type Chip, type RecipientField as Field, useComposerStore } from '../stores/composer-store';
import { RecipientChip } from './recipient-chip';

const LABELS: Record<Field, string> = { to: 'To', cc: 'Cc', bcc: 'Bcc' };

export type ChipListProps = {
  chips: Chip[];
  detailsId: string;
  openChip: string | null;
  onToggleDetails: (chipId: string) => void;
  onRemove: (chipId: string) => void;
};

/** The chips before their look-ups can run (`pending`), or when that code failed to load (`error`). */
function ChipsWithout({ status, ...props }: ChipListProps & { status: 'pending' | 'error' }) {
  return (
    <ul className="chips">
      {props.chips.map((chip) => (
        <RecipientChip
          key={chip.id}
          chip={chip}
          detailsId={props.detailsId}
          detailsOpen={props.openChip === chip.id}
          onToggleDetails={() => props.onToggleDetails(chip.id)}
          onRemove={() => props.onRemove(chip.id)}
          keyState={{ status }}
          transport={status === 'error' ? 'unknown' : 'pending'}
        />
      ))}
    </ul>
  );
}

/** A failed download is tried again with the next change to the chips. */
function ChipList(props: ChipListProps) {
  const island = useQueryIsland(recipientLive, props.chips);
  if (typeof island === 'string') return <ChipsWithout {...props} status={island === 'failed' ? 'error' : 'pending'} />;
  return (
    <InQueryClient layer={island.layer}>
      <island.code.LiveChipList {...props} />
    </InQueryClient>
  );
}

/** The details panel of the chip whose key icon was pressed. */
function KeyDetails({ id, chip }: { id: string; chip: Extract<Chip, { valid: true }> }) {
  const island = useQueryIsland(recipientLive, chip);
  if (island === 'pending') return <p role="status">Loading…</p>;
  if (island === 'failed')
    return (
      <p id={id} role="alert" className="alert">
        {CODE_UNAVAILABLE_MESSAGE}
      </p>
    );
  return (
    <InQueryClient layer={island.layer}>
      <island.code.LiveKeyDetails id={id} chip={chip} />
    </InQueryClient>
  );
}

/**
 * One recipient field: chips for finished addresses and a one-line textarea for typing
 * (a textarea, because pasted line breaks must survive to separate addresses).
 * Memoised: each key look-up that settles re-renders the composer; the fields only need to when
 * their own chips or text change (they subscribe to those themselves).
 */
export const RecipientField = memo(function RecipientField({ field }: { field: Field }) {
  const id = useId();
  const chips = useComposerStore((s) => s.recipients[field]);
  const text = useComposerStore((s) => s.pending[field]);
  const update = useComposerStore((s) => s.updateRecipientText);
  const remove = useComposerStore((s) => s.removeRecipient);
  const label = LABELS[field];
  const services = useServices();
  const queries = useQueryLayer();
  const edit = (value: string, commitRest = false) => {
    const before = new Set(chips.map((c) => c.id));
    update(field, value, commitRest);
    const added = useComposerStore
      .getState()
      .recipients[field].flatMap((c) => (c.valid && !before.has(c.id) ? [c.mailbox.address] : []));
    if (!added.length) return;
    // The look-ups start from the input event, before twenty new chips have rendered and mounted.
    const live = recipientLiveIfLoaded();
    const queryClient = queries.current()?.queryClient;
    if (!live || !queryClient) return; // the chips start them once the code is here
    live.prefetchRecipientKeys(queryClient, services, added);
    live.prefetchTransport(queryClient, services, added.map(domainOf));
  };
  const [openChip, setOpenChip] = useState<string | null>(null);
  const open = chips.find((c) => c.id === openChip && c.valid);

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter') {
      e.preventDefault(); // Enter makes a chip; it never submits the form
      edit(text, true);
    } else if (e.key === 'Backspace' && text === '' && chips.length) {
      remove(field, chips[chips.length - 1]!.id);
    }
  }

  return (
    <div className="recipient-field">
      <label htmlFor={id}>{label}</label>
      <div className="recipient-box">
        {chips.length > 0 && (
          <ChipList
            chips={chips}
            detailsId={`${id}-details`}
            openChip={openChip}
            onToggleDetails={(chipId) => setOpenChip(openChip === chipId ? null : chipId)}
            onRemove={(chipId) => remove(field, chipId)}
          />
        )}
        <textarea
          id={id}
          rows={1}
          className="recipient-input"
          autoComplete="off"
          spellCheck={false}
          value={text}
          onChange={(e) => edit(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => text.trim() && edit(text, true)}
        />
      </div>
      {open?.valid && <KeyDetails id={`${id}-details`} chip={open} />}
    </div>
  );
});
