import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { keyringKeys } from '@/queries/query-keys';
import { useServices } from '@/services/services';
import { usePreferencesStore } from '@/stores/preferences-store';
import { useUnlockStore } from '@/unlock/unlock-store';

/**
 * The passphrase prompt: shown when a secret key is first needed. The passphrase goes to the
 * crypto worker and is forgotten; only the worker keeps the unlocked key, for a limited time.
 */
export function UnlockDialog() {
  const request = useUnlockStore((s) => s.request);
  const finish = useUnlockStore((s) => s.finish);
  const unlockMinutes = usePreferencesStore((s) => s.unlockMinutes);
  const { crypto, keystore } = useServices();
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (request && !el.open) el.showModal();
    if (!request && el.open) el.close();
  }, [request]);

  const close = (outcome: 'unlocked' | 'cancelled') => {
    setPassphrase('');
    setError(null);
    finish(outcome);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!request) return;
    setBusy(true);
    setError(null);
    try {
      const record = await keystore.get(request.fingerprint);
      if (!record.armoredSecret) throw new Error('Not a secret key');
      await crypto.unlockKey(record.armoredSecret, passphrase, unlockMinutes * 60_000);
      await queryClient.invalidateQueries({ queryKey: keyringKeys.unlocked() });
      close('unlocked');
    } catch (e) {
      setError(userMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} aria-labelledby={`${id}-title`} onCancel={() => close('cancelled')} className="dialog">
      {request && (
        <form onSubmit={submit}>
          <h2 id={`${id}-title`}>Unlock your key</h2>
          <p>
            Enter the passphrase of <strong>{request.label}</strong>. It stays unlocked in this tab for {unlockMinutes}{' '}
            minute
            {unlockMinutes === 1 ? '' : 's'}.
          </p>
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input
            id={`${id}-pass`}
            type="password"
            autoComplete="off"
            autoFocus
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
          {error && (
            <p role="alert" className="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Unlock
            </button>
            <button type="button" onClick={() => close('cancelled')}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
