import { useEffect } from 'react';
import type { JmapAuth } from '@/core/jmap/auth';
import { connectAccount } from '@/core/jmap/connect';
import { isAppError } from '@/core/errors/app-error';
import { useQueryLayer } from '@/queries/query-layer';
import { type Services, useServices } from '@/services/services';
import { useSessionStore } from '@/stores/session-store';

/** Connects; a later change of the server's session swaps in the renewed client while signed in. */
export function connect(services: Services, serverUrl: string, auth: JmapAuth) {
  return connectAccount({
    serverUrl,
    auth,
    fetch: services.fetch,
    renewed: ({ client, setup }) => {
      const { session, signedIn } = useSessionStore.getState();
      if (session.phase !== 'signed-in' || session.serverUrl !== serverUrl) return;
      signedIn(client, serverUrl, setup);
    },
  });
}

/** On start-up: reconnect with the stored credentials, or show the sign-in form with the reason. */
export function useRestoreSession() {
  const services = useServices();
  const { signedIn, signedOut } = useSessionStore();
  const phase = useSessionStore((s) => s.session.phase);
  useEffect(() => {
    if (phase !== 'restoring') return;
    let cancelled = false;
    void (async () => {
      const stored = await services.vault.load().catch(() => null);
      if (!stored) return void (cancelled || signedOut());
      try {
        const { client, setup } = await connect(services, stored.serverUrl, stored.auth);
        if (cancelled) return;
        signedIn(client, stored.serverUrl, setup);
      } catch (e) {
        if (cancelled) return;
        const rejected = isAppError(e, 'jmap/unauthorized') || isAppError(e, 'jmap/forbidden');
        if (rejected) await services.vault.clear();
        signedOut({
          reconnectFailure: e,
          lastServer: stored.serverUrl,
          ...(stored.auth.kind === 'basic' ? { lastUsername: stored.auth.username } : {}),
        });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [phase, services, signedIn, signedOut]);
}

/** Tabs of this origin tell each other of a sign-out: signing out in one signs out all. */
const SESSION_CHANNEL = 'pgp-composer-session';

export function useSignOut() {
  const services = useServices();
  const queries = useQueryLayer();
  const signedOut = useSessionStore((s) => s.signedOut);
  return async () => {
    // The credentials are forgotten at once, not after a busy worker answers: a reload or a closed
    // tab right after Sign out must not find them. Unlocked keys do not outlive the session.
    await Promise.all([services.vault.clear(), services.crypto.lockAll().catch(() => undefined)]);
    queries.current()?.queryClient.clear();
    signedOut();
    if (typeof BroadcastChannel !== 'undefined') {
      const channel = new BroadcastChannel(SESSION_CHANNEL);
      channel.postMessage({ type: 'signed-out' });
      channel.close();
    }
  };
}

/** Another tab signed out: lock this tab's keys (its own worker) and show the sign-in form here too. */
export function useSignOutElsewhere() {
  const services = useServices();
  const queries = useQueryLayer();
  const signedOut = useSessionStore((s) => s.signedOut);
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(SESSION_CHANNEL);
    channel.onmessage = ({ data }: MessageEvent<{ type?: string }>) => {
      if (data?.type !== 'signed-out' || useSessionStore.getState().session.phase !== 'signed-in') return;
      void services.crypto
        .lockAll()
        .catch(() => undefined)
        .then(() => {
          queries.current()?.queryClient.clear();
          signedOut({ notice: 'You signed out in another tab.' });
        });
    };
    return () => channel.close();
  }, [services, queries, signedOut]);
}
