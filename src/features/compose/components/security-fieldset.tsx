import { type Chip, type RecipientField, useComposerStore } from '../stores/composer-store';
import { useRecipientKeyStatuses } from '@/queries/recipient-key-statuses';

const FIELDS: RecipientField[] = ['to', 'cc', 'bcc'];

/** The Encrypt and Sign switches, with what each depends on. */
export function SecurityFieldset(props: {
  id: string;
  addresses: string[];
  encrypt: boolean;
  encryptPossible: boolean;
  sign: boolean;
  signPossible: boolean;
  onEncryptChange: () => void;
}) {
  const { id, addresses, encrypt, sign, signPossible } = props;
  const setEncryptChoice = useComposerStore((s) => s.setEncryptChoice);
  const setSignChoice = useComposerStore((s) => s.setSignChoice);
  return (
    <fieldset className="security">
      <legend>Security</legend>
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          checked={encrypt}
          disabled={!props.encryptPossible}
          aria-describedby={`${id}-encrypt-hint`}
          onChange={(e) => {
            props.onEncryptChange();
            setEncryptChoice(e.target.checked);
          }}
        />{' '}
        Encrypt
      </label>
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          checked={sign}
          disabled={!signPossible}
          aria-describedby={`${id}-sign-hint`}
          onChange={(e) => setSignChoice(e.target.checked)}
        />{' '}
        Sign
      </label>
      <EncryptHint id={`${id}-encrypt-hint`} addresses={addresses} />
      <p id={`${id}-sign-hint`} className="hint">
        {signPossible
          ? 'Signed with your key for this address (its passphrase is asked when needed).'
          : 'Bind a key to this address (Keys) to sign.'}
      </p>
    </fieldset>
  );
}

/** Which recipients still lack a usable key (it changes with each key that arrives). */
function EncryptHint({ id, addresses }: { id: string; addresses: string[] }) {
  const missing = useRecipientKeyStatuses(addresses, (s) => addresses.filter((_, i) => s[i] !== 'valid').join(', '));
  return (
    <p id={id} className="hint">
      {addresses.length === 0
        ? 'Add recipients: encryption needs a key for each of them.'
        : missing === ''
          ? 'Every recipient has a key.'
          : `No usable key yet for ${missing}.`}
    </p>
  );
}

/** After Send was blocked for recipients without keys: remove them, or send unencrypted. */
export function PlainChoices({ chips, onDone }: { chips: Extract<Chip, { valid: true }>[]; onDone: () => void }) {
  const setEncryptChoice = useComposerStore((s) => s.setEncryptChoice);
  const setStatus = useComposerStore((s) => s.setStatus);
  return (
    <div className="actions wrap" role="group" aria-label="Choices">
      <RemoveWithoutKey chips={chips} onRemoved={onDone} />
      <button
        type="button"
        className="danger"
        onClick={() => {
          setEncryptChoice(false);
          onDone();
          setStatus({ state: 'idle' });
        }}
      >
        Turn encryption off for this message
      </button>
    </div>
  );
}

function RemoveWithoutKey({ chips, onRemoved }: { chips: Extract<Chip, { valid: true }>[]; onRemoved: () => void }) {
  const addresses = chips.map((c) => c.mailbox.address);
  const without = useRecipientKeyStatuses(addresses, (s) =>
    chips
      .filter((_, i) => s[i] !== 'valid')
      .map((c) => c.id)
      .join('\n'),
  );
  const remove = useComposerStore((s) => s.removeRecipient);
  if (!without) return null;
  return (
    <button
      type="button"
      onClick={() => {
        const ids = new Set(without.split('\n'));
        for (const field of FIELDS)
          for (const c of useComposerStore.getState().recipients[field]) if (ids.has(c.id)) remove(field, c.id);
        onRemoved();
      }}
    >
      Remove recipients without a key
    </button>
  );
}
