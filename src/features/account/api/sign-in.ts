import { useMutation } from '@tanstack/react-query';
import type { JmapAuth } from '@/core/jmap/auth';
import { useServices } from '@/services/services';
import { useSessionStore } from '@/stores/session-store';
import { connect } from './session-actions';

/** Sign in: discover the session, check it works, then keep the credentials (sealed) for reloads. */
export function useSignIn() {
  const services = useServices();
  const signedIn = useSessionStore((s) => s.signedIn);
  return useMutation({
    mutationFn: async ({ serverUrl, auth }: { serverUrl: string; auth: JmapAuth }) => {
      const { client, setup } = await connect(services, serverUrl, auth);
      await services.vault.save({ serverUrl, auth });
      return { client, setup, serverUrl };
    },
    onSuccess: ({ client, setup, serverUrl }) => {
      signedIn(client, serverUrl, setup);
    },
  });
}
