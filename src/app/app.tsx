import { lazy, Suspense, useEffect, useState } from 'react';
import { useRestoreSession, useSignOut, useSignOutElsewhere } from '@/features/account/api/session-actions';
import { useAccountSetup, useCompanionConfig } from '@/queries/account';
import { loadAnswer } from '@/features/compose/api/load-answer';
import type { OnAnswer } from '@/features/mail/components/message-reader';
import { ComposeView } from '@/features/compose/components/compose-view';
import { resetComposer } from '@/features/compose/stores/composer-store';
import { ViewErrorBoundary } from '@/components/view-error-boundary';
import { useUnlockStore } from '@/unlock/unlock-store';
import { useScheduledKeyRefresh } from '@/queries/key-refresh';
import { useKeystoreSync } from '@/queries/keystore-sync';
import { DEFAULT_KEY_SERVER, useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useSessionStore } from '@/stores/session-store';
import { type Route, useRoute } from './routes';

// Compose is what opens first; the other views load when visited.
const SignInForm = lazy(() =>
  import('@/features/account/components/sign-in-form').then((m) => ({ default: m.SignInForm })),
);
const UnlockDialog = lazy(() => import('@/unlock/unlock-dialog').then((m) => ({ default: m.UnlockDialog })));
const KeysView = lazy(() => import('@/features/keys/components/keys-view').then((m) => ({ default: m.KeysView })));
const DraftsView = lazy(() =>
  import('@/features/compose/components/drafts-view').then((m) => ({ default: m.DraftsView })),
);
const MailboxView = lazy(() =>
  import('@/features/mail/components/mailbox-view').then((m) => ({ default: m.MailboxView })),
);
const SettingsView = lazy(() =>
  import('@/features/settings/components/settings-view').then((m) => ({ default: m.SettingsView })),
);

const NAV: { route: Route; label: string }[] = [
  { route: 'inbox', label: 'Inbox' },
  { route: 'compose', label: 'Compose' },
  { route: 'drafts', label: 'Drafts' },
  { route: 'sent', label: 'Sent' },
  { route: 'keys', label: 'Keys' },
  { route: 'settings', label: 'Settings' },
];

/** The passphrase dialog loads when a key is first needed, then stays (closing it returns focus). */
function UnlockDialogHost() {
  const asked = useUnlockStore((s) => s.request !== null);
  const [needed, setNeeded] = useState(false);
  if (asked && !needed) setNeeded(true); // remembered during render: no extra pass through an effect
  if (!asked && !needed) return null;
  return (
    <Suspense fallback={null}>
      <UnlockDialog />
    </Suspense>
  );
}

function SignedInShell({ username }: { username: string }) {
  const route = useRoute();
  const setup = useAccountSetup();
  const openAnswer: OnAnswer = (answer, emailId) => loadAnswer(answer, emailId, setup.data?.identities ?? []);
  const signOut = useSignOut();
  useKeystoreSync();
  useScheduledKeyRefresh();
  const companion = useCompanionConfig();
  const setDiscovery = useDiscoverySettingsStore((s) => s.update);
  useEffect(() => {
    if (!companion.isSuccess) return;
    const config = companion.data;
    setDiscovery({ proxyBase: config?.wkdProxyUrl ? new URL(config.wkdProxyUrl).origin : null });
    // The companion's key server is the default; a key server the user chose stays.
    const adoptKeyServer = () => {
      if (config?.keyServerUrl && useDiscoverySettingsStore.getState().keyServer === DEFAULT_KEY_SERVER) {
        setDiscovery({ keyServer: config.keyServerUrl });
      }
    };
    if (useDiscoverySettingsStore.persist.hasHydrated()) adoptKeyServer();
    else return useDiscoverySettingsStore.persist.onFinishHydration(adoptKeyServer);
  }, [companion.isSuccess, companion.data, setDiscovery]);
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
      <div className="view">
        <ViewErrorBoundary resetKey={route}>
          <Suspense fallback={<p role="status">Loading…</p>}>
            {route === 'compose' && <ComposeView />}
            {route === 'drafts' && <DraftsView />}
            {route === 'inbox' && <MailboxView role="inbox" onAnswer={openAnswer} />}
            {route === 'sent' && <MailboxView role="sent" onAnswer={openAnswer} />}
            {route === 'keys' && <KeysView />}
            {route === 'settings' && <SettingsView />}
          </Suspense>
        </ViewErrorBoundary>
      </div>
      <UnlockDialogHost />
    </>
  );
}

export function App() {
  useRestoreSession();
  useSignOutElsewhere();
  const session = useSessionStore((s) => s.session);
  if (session.phase === 'restoring') {
    return (
      <main>
        <p role="status">Connecting…</p>
      </main>
    );
  }
  if (session.phase === 'signed-out') {
    return (
      <Suspense
        fallback={
          <main>
            <p role="status">Loading…</p>
          </main>
        }
      >
        <SignInForm />
      </Suspense>
    );
  }
  return <SignedInShell username={session.client.session.username} />;
}
