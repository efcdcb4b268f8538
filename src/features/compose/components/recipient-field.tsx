import { type KeyboardEvent, lazy, memo, Suspense, useId, useState } from 'react';
import { usePrefetchRecipientKeys, useRecipientKey, useRecipientKeyActions } from '@/queries/recipient-keys';
import { type Chip, type RecipientField as Field, useComposerStore } from '../stores/composer-store';
import { RecipientChip } from './recipient-chip';
import { usePrefetchTransport, useTransportStatus } from '@/queries/transport';
import { domainOf } from '@/core/transport/transport-status';

const LABELS: Record<Field, string> = { to: 'To', cc: 'Cc', bcc: 'Bcc' };

/**
 * One recipient field: chips for finished addresses and a one-line textarea for typing
 * (a textarea, because pasted line breaks must survive to separate addresses).
 */
/**
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
  const prefetch = usePrefetchRecipientKeys();
  const prefetchTransport = usePrefetchTransport();
  const edit = (value: string, commitRest = false) => {
    const before = new Set(chips.map((c) => c.id));
    update(field, value, commitRest);
    const added = useComposerStore
      .getState()
      .recipients[field].flatMap((c) => (c.valid && !before.has(c.id) ? [c.mailbox.address] : []));
    prefetch(added);
    prefetchTransport(added.map(domainOf));
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
          <ul className="chips">
            {chips.map((chip) => (
              <RecipientChip
                key={chip.id}
                chip={chip}
                detailsId={`${id}-details`}
                detailsOpen={openChip === chip.id}
                onToggleDetails={() => setOpenChip(openChip === chip.id ? null : chip.id)}
                onRemove={() => remove(field, chip.id)}
              />
            ))}
          </ul>
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
      {open?.valid && <OpenDetails id={`${id}-details`} chip={open} />}
    </div>
  );
});

const RecipientKeyDetails = lazy(() =>
  import('./recipient-key-details').then((m) => ({ default: m.RecipientKeyDetails })),
);

/** The details panel of the chip whose key icon was pressed (shares that chip's query). */
function OpenDetails({ id, chip }: { id: string; chip: Extract<Chip, { valid: true }> }) {
  const lookup = useRecipientKey(chip.mailbox.address);
  const transport = useTransportStatus(domainOf(chip.mailbox.address));
  const { retry } = useRecipientKeyActions();
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <RecipientKeyDetails
        id={id}
        address={chip.mailbox.address}
        state={lookup.data}
        transport={transport}
        onRetry={() => void retry(chip.mailbox.address)}
      />
    </Suspense>
  );
}
