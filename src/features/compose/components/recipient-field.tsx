import { type KeyboardEvent, useId } from 'react';
import { KeyStatusIcon } from '@/components/key-status-icon';
import { formatMailbox } from '@/core/mime/addresses';
import { type RecipientField as Field, useComposerStore } from '../stores/composer-store';

const LABELS: Record<Field, string> = { to: 'To', cc: 'Cc', bcc: 'Bcc' };

/**
 * One recipient field: chips for finished addresses and a one-line textarea for typing
 * (a textarea, because pasted line breaks must survive to separate addresses).
 */
export function RecipientField({ field }: { field: Field }) {
  const id = useId();
  const chips = useComposerStore((s) => s.recipients[field]);
  const text = useComposerStore((s) => s.pending[field]);
  const update = useComposerStore((s) => s.updateRecipientText);
  const remove = useComposerStore((s) => s.removeRecipient);
  const label = LABELS[field];

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter') {
      e.preventDefault(); // Enter makes a chip; it never submits the form
      update(field, text, true);
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
            {chips.map((chip) => {
              const subject = chip.valid ? chip.mailbox.address : chip.input;
              return (
                <li
                  key={chip.id}
                  className={chip.valid ? 'chip' : 'chip chip-invalid'}
                  data-recipient={chip.key}
                  data-key-status="none"
                  aria-invalid={chip.valid ? undefined : 'true'}
                  title={chip.valid ? undefined : chip.reason}
                >
                  {chip.valid && <KeyStatusIcon status="none" subject={subject} />}
                  <span className="chip-text">{chip.valid ? formatMailbox(chip.mailbox) : chip.input}</span>
                  {!chip.valid && <span className="visually-hidden">(not a valid address: {chip.reason})</span>}
                  <button type="button" className="chip-remove" aria-label={`Remove ${subject}`} onClick={() => remove(field, chip.id)}>
                    ×
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        <textarea
          id={id}
          rows={1}
          className="recipient-input"
          autoComplete="off"
          spellCheck={false}
          value={text}
          onChange={(e) => update(field, e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => text.trim() && update(field, text, true)}
        />
      </div>
    </div>
  );
}
