import { Suspense, useEffect, useState } from 'react';
import { ErrorBoundary } from 'react-error-boundary';
import { useRestoreSession, useSignOut, useSignOutElsewhere } from '@/features/account/api/session-actions';
import { companionConfig, useAccountSetup } from '@/queries/account';
import { withQueries } from '@/queries/query-layer';
import { useServices } from '@/services/services';
import { loadAnswer } from '@/features/compose/api/load-answer';
import type { OnAnswer } from '@/features/mail/components/message-reader';
import { ComposeView } from '@/features/compose/components/compose-view';
import { resetComposer } from '@/features/compose/stores/composer-store';
import { ViewErrorBoundary } from '@/components/view-error-boundary';
import { toAppError } from '@/core/errors/app-error';
import { useUnlockStore } from '@/unlock/unlock-store';
import { useScheduledKeyRefresh } from '@/queries/key-refresh';
import { useKeystoreSync } from '@/queries/keystore-sync';
import { DEFAULT_KEY_SERVER, useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { useSessionStore } from '@/stores/session-store';
import { type Route, useRoute } from './routes';

// Compose is what opens first; the other views load when visited, with the query layer.
const loading = <p role="status">Loading…</p>;
const SignInForm = withQueries(
  async () => (await import('@/features/account/components/sign-in-form')).SignInForm,
  <main>{loading}</main>,
);
const UnlockDialog = withQueries(async () => (await import('@/unlock/unlock-dialog')).UnlockDialog);
const KeysView = withQueries(async () => (await import('@/features/keys/components/keys-view')).KeysView, loading);
const DraftsView = withQueries(
  async () => (await import('@/features/compose/components/drafts-view')).DraftsView,
  loading,
);
const MailboxView = withQueries(
  async () => (await import('@/features/mail/components/mailbox-view')).MailboxView,
  loading,
);
const SettingsView = withQueries(
  async () => (await import('@/features/settings/components/settings-view')).SettingsView,
  loading,
);

const NAV: { route: Route; label: string }[] = [
  { route: 'inbox', label: 'Inbox' },
  { route: 'compose', label: 'Compose' },
  { route: 'drafts', label: 'Drafts' },
  { route: 'sent', label: 'Sent' },
  { route: 'keys', label: 'Keys' },
  { route: 'settings', label: 'Settings' },
];

/**
 * The passphrase dialog loads when a key is first needed, then stays (closing it returns focus).
 * If it cannot be downloaded, whatever asked for the passphrase is told so (Send: "Not sent…"), and
 * the next request tries the download again.
 */
function UnlockDialogHost() {
  const asked = useUnlockStore((s) => s.request !== null);
  const [needed, setNeeded] = useState(false);
  if (asked && !needed) setNeeded(true); // remembered during render: no extra pass through an effect
  if (!needed) return null;
  return (
    <ErrorBoundary fallbackRender={({ error }) => <UnlockUnavailable error={error} onGone={() => setNeeded(false)} />}>
      <UnlockDialog />
    </ErrorBoundary>
  );
}

function UnlockUnavailable({ error, onGone }: { error: unknown; onGone: () => void }) {
  useEffect(() => {
    useUnlockStore.getState().finish({ failure: toAppError(error) });
    onGone(); // the next request downloads it again
  }, [error, onGone]);
  return null;
}

/** The companion's look-up proxy, and its key server unless the user chose one. */
function useCompanionDiscoverySettings() {
  const services = useServices();
  const setDiscovery = useDiscoverySettingsStore((s) => s.update);
  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    void companionConfig(services).then((config) => {
      if (cancelled) return;
      setDiscovery({ proxyBase: config?.wkdProxyUrl ? new URL(config.wkdProxyUrl).origin : null });
      const adoptKeyServer = () => {
        if (config?.keyServerUrl && useDiscoverySettingsStore.getState().keyServer === DEFAULT_KEY_SERVER) {
          setDiscovery({ keyServer: config.keyServerUrl });
        }
      };
      if (useDiscoverySettingsStore.persist.hasHydrated()) adoptKeyServer();
      else unsubscribe = useDiscoverySettingsStore.persist.onFinishHydration(adoptKeyServer);
    });
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }, [services, setDiscovery]);
}

function SignedInShell({ username }: { username: string }) {
  const route = useRoute();
  const setup = useAccountSetup();
  const openAnswer: OnAnswer = (answer, emailId) => loadAnswer(answer, emailId, setup.identities);
  const signOut = useSignOut();
  useKeystoreSync();
  useScheduledKeyRefresh();
  useCompanionDiscoverySettings();
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
          <Suspense fallback={loading}>
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
      <ViewErrorBoundary resetKey="sign-in">
        <SignInForm />
      </ViewErrorBoundary>
    );
  }
  return <SignedInShell username={session.client.session.username} />;
}
