import { useId } from 'react';
import { useSessionStore } from '@/stores/session-store';

export function SettingsView() {
  const id = useId();
  const session = useSessionStore((s) => s.session);
  return (
    <main aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`} tabIndex={-1}>Settings</h1>
      {session.phase === 'signed-in' && (
        <dl className="facts">
          <dt>Mail server (JMAP session)</dt>
          <dd>{session.client.session.sessionUrl}</dd>
          <dt>Account</dt>
          <dd>{session.client.session.username}</dd>
        </dl>
      )}
      <p>Key discovery settings (WKD and key server) arrive with key discovery.</p>
    </main>
  );
}
