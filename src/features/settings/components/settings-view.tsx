import { useId } from 'react';
import { UNLOCK_CHOICES, usePreferencesStore } from '@/stores/preferences-store';
import { useSessionStore } from '@/stores/session-store';
import { ViewTitle } from '@/components/view-title';

export function SettingsView() {
  const id = useId();
  const session = useSessionStore((s) => s.session);
  const { unlockMinutes, setUnlockMinutes } = usePreferencesStore();
  return (
    <main aria-labelledby={`${id}-title`}>
      <ViewTitle id={`${id}-title`}>Settings</ViewTitle>
      {session.phase === 'signed-in' && (
        <dl className="facts">
          <dt>Mail server (JMAP session)</dt>
          <dd>{session.client.session.sessionUrl}</dd>
          <dt>Account</dt>
          <dd>{session.client.session.username}</dd>
        </dl>
      )}
      <label htmlFor={`${id}-unlock`}>Keep keys unlocked for</label>
      <select id={`${id}-unlock`} value={unlockMinutes} onChange={(e) => setUnlockMinutes(Number(e.target.value))} aria-describedby={`${id}-unlock-hint`}>
        {UNLOCK_CHOICES.map((m) => (
          <option key={m} value={m}>
            {m} minute{m === 1 ? '' : 's'}
          </option>
        ))}
      </select>
      <p id={`${id}-unlock-hint`} className="hint">
        After this time an unlocked secret key is dropped from memory and its passphrase is asked again. Passphrases are never stored.
      </p>
      <p>Key discovery settings (WKD and key server) arrive with key discovery.</p>
    </main>
  );
}
