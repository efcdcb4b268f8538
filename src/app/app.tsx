import { useEffect, useRef } from 'react';
import { useRestoreSession, useSignOut } from '@/features/account/api/session-actions';
import { SignInForm } from '@/features/account/components/sign-in-form';
import { ComposeView } from '@/features/compose/components/compose-view';
import { resetComposer } from '@/features/compose/stores/composer-store';
import { KeysView } from '@/features/keys/components/keys-view';
import { SentView } from '@/features/sent/components/sent-view';
import { SettingsView } from '@/features/settings/components/settings-view';
import { useSessionStore } from '@/stores/session-store';
import { type Route, useRoute } from './routes';

const NAV: { route: Route; label: string }[] = [
  { route: 'compose', label: 'Compose' },
  { route: 'sent', label: 'Sent' },
  { route: 'keys', label: 'Keys' },
  { route: 'settings', label: 'Settings' },
];

function SignedInShell({ username }: { username: string }) {
  const route = useRoute();
  const signOut = useSignOut();
  const mainRef = useRef<HTMLDivElement>(null);
  // Move focus to the new view's heading so keyboard and screen-reader users land in it.
  useEffect(() => {
    mainRef.current?.querySelector('h1')?.focus();
  }, [route]);
  return (
    <>
      <header className="app-header">
        <span className="brand">PGP Composer</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(({ route: r, label }) => (
              <li key={r}>
                <a href={`#/${r}`} aria-current={route === r ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="account" title="Signed in as">
          {username}
        </span>
        <button
          type="button"
          onClick={() => {
            resetComposer();
            void signOut();
          }}
        >
          Sign out
        </button>
      </header>
      <div ref={mainRef} className="view">
        {route === 'compose' && <ComposeView />}
        {route === 'sent' && <SentView />}
        {route === 'keys' && <KeysView />}
        {route === 'settings' && <SettingsView />}
      </div>
    </>
  );
}

export function App() {
  useRestoreSession();
  const session = useSessionStore((s) => s.session);
  if (session.phase === 'restoring') {
    return (
      <main>
        <p role="status">Connecting…</p>
      </main>
    );
  }
  if (session.phase === 'signed-out') return <SignInForm />;
  return <SignedInShell username={session.client.session.username} />;
}
