import { create } from 'zustand';
import type { AccountSetup } from '@/core/jmap/account-setup';
import type { JmapClient } from '@/core/jmap/client';

/**
 * Who is signed in, to which server, with which identities and mailboxes (`setup`, read when
 * connecting, at `setupAt`). Credentials themselves live in the vault, never here.
 */
export type SessionState =
  | { phase: 'restoring' }
  | {
      phase: 'signed-out';
      notice: string | null;
      /** Why reconnecting to `lastServer` failed (the sign-in form words it). */
      reconnectFailure?: unknown;
      lastServer: string | null;
      lastUsername: string | null;
    }
  | { phase: 'signed-in'; client: JmapClient; serverUrl: string; setup: AccountSetup; setupAt: number };

type SessionStore = {
  session: SessionState;
  signedIn: (client: JmapClient, serverUrl: string, setup: AccountSetup) => void;
  /** The account's setup read again; ignored if meanwhile another account (or none) is signed in. */
  setupRead: (client: JmapClient, setup: AccountSetup) => void;
  signedOut: (options?: {
    notice?: string;
    reconnectFailure?: unknown;
    lastServer?: string;
    lastUsername?: string;
  }) => void;
};

export const useSessionStore = create<SessionStore>((set) => ({
  session: { phase: 'restoring' },
  signedIn: (client, serverUrl, setup) =>
    set({ session: { phase: 'signed-in', client, serverUrl, setup, setupAt: Date.now() } }),
  setupRead: (client, setup) =>
    set(({ session }) =>
      session.phase === 'signed-in' && session.client.session.accountId === client.session.accountId
        ? { session: { ...session, setup, setupAt: Date.now() } }
        : {},
    ),
  signedOut: (options = {}) =>
    set({
      session: {
        phase: 'signed-out',
        notice: options.notice ?? null,
        ...('reconnectFailure' in options ? { reconnectFailure: options.reconnectFailure } : {}),
        lastServer: options.lastServer ?? null,
        lastUsername: options.lastUsername ?? null,
      },
    }),
}));

/** The signed-in session (client, setup and when it was read); only call below the signed-in branch of the app. */
export function useSignedInSession(): Extract<SessionState, { phase: 'signed-in' }> {
  const session = useSessionStore((s) => s.session);
  if (session.phase !== 'signed-in') throw new Error('used while not signed in');
  return session;
}

/** The JMAP client of the signed-in user. */
export const useJmapClient = (): JmapClient => useSignedInSession().client;
