import type { JmapAuth } from './auth';
import { createJmapClient, type JmapClient } from './client';
import { type AccountSetup, loadAccountSetup } from './account-setup';
import { discoverSession, type FetchFn } from './session';

export type Connection = { client: JmapClient; setup: AccountSetup };

/**
 * Discover the session and check that mail and submission work with these credentials. When an
 * API answer later carries another `sessionState` (RFC 8620 §3.4: URLs, limits or accounts
 * changed), the session is read again and `renewed` gets the new connection: once per change,
 * and not at all when the session resource still shows the old state (nothing to renew, no loop).
 */
export async function connectAccount(options: {
  serverUrl: string;
  auth: JmapAuth;
  fetch: FetchFn;
  renewed: (next: Connection) => void;
}): Promise<Connection> {
  const session = await discoverSession(options);
  // Answers during the setup below are as new as the session just read: nothing to renew yet
  // (and a renewal probing the server would otherwise set off the next one).
  let renewing = true;
  const client = createJmapClient({
    session,
    auth: options.auth,
    fetch: options.fetch,
    onSessionStateChange: () => {
      if (renewing) return;
      renewing = true;
      connectAccount(options).then(
        (next) => {
          if (next.client.session.state !== session.state) options.renewed(next);
        },
        // Not reachable now: the next answer with the new state tries again.
        () => void (renewing = false),
      );
    },
  });
  const setup = await loadAccountSetup(client);
  renewing = false;
  return { client, setup };
}
