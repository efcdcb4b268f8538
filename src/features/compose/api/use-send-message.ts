import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type AccountMailboxes, destroyEmails, setKeywords } from '@/core/jmap/mail';
import type { Identity } from '@/core/jmap/types';
import type { Mailbox } from '@/core/mime/addresses';
import type { PreparedMessage, SendStage, UploadedSoFar } from '@/core/send/deliver';
import type { Security } from '@/core/send/send-message';
import { draftKeys, mailboxKeys, sentKeys } from '@/queries/mail';
import { useServices } from '@/services/services';
import { useJmapClient } from '@/stores/session-store';
import { useComposerStore } from '../stores/composer-store';
import { draftSaveSettled } from './drafts';

export type ComposedMessage = {
  identity: Identity;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  subject: string;
  text: string;
  files: File[];
  messageId: string;
  security: Security | null;
  threading?: { inReplyTo: string[]; references: string[] };
};

export type SendRequest = {
  /** A new message to build, or the one a failed try already built (retried as it is). */
  message: ComposedMessage | PreparedMessage;
  /** The composer revision it was built from. */
  revision: number;
  mailboxes: AccountMailboxes;
  /** The saved draft of this message, removed once it is sent. */
  draftId: string | null;
  /** The message this answers or forwards, marked `$answered` / `$forwarded` once this is sent. */
  original?: { emailId: string; keyword: '$answered' | '$forwarded' } | null;
  /** Stops the upload when the user cancels it. */
  signal: AbortSignal;
};

export function useSendMessage(onStage: (stage: SendStage, uploaded?: UploadedSoFar) => void) {
  const client = useJmapClient();
  const services = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ message, revision, mailboxes, draftId, original, signal }: SendRequest) => {
      const { deliverMessage } = await import('@/core/send/deliver');
      let prepared: PreparedMessage;
      if ('copies' in message) {
        prepared = message;
      } else {
        onStage(
          message.security && (message.security.encrypt || message.security.signWith) ? 'encrypting' : 'building',
        );
        // Files go to the worker by reference and are read there, not here.
        const attachments = message.files.map((file) => ({
          name: file.name,
          type: file.type || 'application/octet-stream',
          content: file,
        }));
        // Built, encrypted and signed in the worker: the page stays responsive for large messages.
        prepared = await services.outgoing.prepareMessage(
          {
            identity: message.identity,
            to: message.to,
            cc: message.cc,
            bcc: message.bcc,
            subject: message.subject,
            text: message.text,
            attachments,
            messageId: message.messageId,
            ...(message.threading ? { threading: message.threading } : {}),
            ...(message.security ? { security: message.security } : {}),
          },
          { now: services.now().getTime() },
        );
        // Kept for a retry: the same bytes go again, and copies already accepted are skipped.
        useComposerStore.getState().setOutgoing({ revision, prepared });
      }
      const result = await deliverMessage(prepared, { jmap: client, mailboxes, signal }, onStage);
      // The saved draft goes (best effort: the message is sent; a leftover draft is only clutter),
      // including one an autosave stored while this was sending.
      await draftSaveSettled();
      const drafts = [...new Set([draftId, useComposerStore.getState().draftId].filter((id): id is string => !!id))];
      if (drafts.length) await destroyEmails(client, drafts).catch(() => undefined);
      // Best effort too: the answer is sent whether or not the original's flag could be set.
      if (original) await setKeywords(client, original.emailId, { [original.keyword]: true }).catch(() => undefined);
      return result;
    },
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: sentKeys.all }),
        queryClient.invalidateQueries({ queryKey: draftKeys.all }),
        queryClient.invalidateQueries({ queryKey: mailboxKeys.all }),
      ]),
  });
}
