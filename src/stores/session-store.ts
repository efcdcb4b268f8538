import { create } from 'zustand';
import type { JmapClient } from '@/core/jmap/client';

/** Who is signed in, to which server. Credentials themselves live in the vault, never here. */
export type SessionState =
  | { phase: 'restoring' }
  | { phase: 'signed-out'; notice: string | null; lastServer: string | null; lastUsername: string | null }
  | { phase: 'signed-in'; client: JmapClient; serverUrl: string };

type SessionStore = {
  session: SessionState;
  signedIn: (client: JmapClient, serverUrl: string) => void;
  signedOut: (options?: { notice?: string; lastServer?: string; lastUsername?: string }) => void;
};

export const useSessionStore = create<SessionStore>((set) => ({
  session: { phase: 'restoring' },
  signedIn: (client, serverUrl) => set({ session: { phase: 'signed-in', client, serverUrl } }),
  signedOut: (options = {}) =>
    set({
      session: {
        phase: 'signed-out',
        notice: options.notice ?? null,
        lastServer: options.lastServer ?? null,
        lastUsername: options.lastUsername ?? null,
      },
    }),
}));

/** The JMAP client of the signed-in user; only call below the signed-in branch of the app. */
export function useJmapClient(): JmapClient {
  const session = useSessionStore((s) => s.session);
  if (session.phase !== 'signed-in') throw new Error('useJmapClient() while not signed in');
  return session.client;
}
