import { AppError } from '@/core/errors/app-error';
import type { JmapClient } from '@/core/jmap/client';
import type { SentEmail } from '@/core/jmap/mail';
import type { Identity } from '@/core/jmap/types';
import { formatMailbox } from '@/core/mime/addresses';
import { secretKeyFor } from '@/core/keystore/secret-key-for';
import type { Services } from '@/services/services';
import { ensureUnlocked, isUnlockDeclined } from '@/unlock/ensure-unlocked';
import type { OpenedDraft } from '@/core/send/send-worker-api';
import { useComposerStore } from '../stores/composer-store';
import { useOwnDraftsStore } from '../stores/own-drafts-store';

/** A draft read back, and whether it is the user's own: signed by one of their keys, or saved by this browser. */
export type ReadDraft = { email: SentEmail; draft: OpenedDraft; trusted: boolean };

/**
 * Read a stored draft: download it, and when it is encrypted, unlock the secret key it was
 * encrypted to (asking for the passphrase) and decrypt it in the worker, checking whether one of
 * the user's own keys signed it. Security: anyone can encrypt a "draft" to the user's public key and
 * plant it in Drafts; such a draft is not `trusted`, and is shown read-only until the user chooses.
 */
export async function readStoredDraft(options: {
  email: SentEmail;
  client: JmapClient;
  services: Services;
}): Promise<ReadDraft> {
  const { email, client, services } = options;
  const raw = await client.downloadBlob({ blobId: email.blobId, name: 'draft.eml', type: 'message/rfc822' });
  // Read in the worker (a draft with large attachments would block the page): first the key to
  // unlock, asking for its passphrase here, then the draft itself.
  const keyIds = await services.outgoing.draftKeyIds(raw);
  if (keyIds.length) {
    const key = await secretKeyFor(services.keystore, keyIds);
    if (!key) {
      throw new AppError('draft/unreadable', 'No secret key for this draft', {
        detail: `It was encrypted to key ${keyIds.join(', ')}, and no secret key in this browser's keystore matches.`,
      });
    }
    try {
      await ensureUnlocked(services.crypto, key.fingerprint, key.summary.primaryUserId ?? key.fingerprint);
    } catch (e) {
      if (!isUnlockDeclined(e)) throw e;
      throw new AppError('crypto/key-locked', 'Unlock cancelled', {
        cause: e,
        detail: 'The key was not unlocked, so the draft stays closed.',
      });
    }
  }
  const ownKeys = await Promise.all(
    (await services.keystore.list())
      .filter((e) => e.kind === 'secret')
      .map(async (e) => (await services.keystore.get(e.fingerprint)).armoredPublic),
  );
  const draft = await services.outgoing.readDraft(raw, ownKeys);
  const trusted = draft.signedBy.length > 0 || useOwnDraftsStore.getState().ids.includes(email.id);
  return { email, draft, trusted };
}

/** Put a draft that was read back into the composer. */
export function loadIntoComposer({ email, draft }: ReadDraft, identities: Identity[]): void {
  const identity = identities.find((i) => i.email.toLowerCase() === draft.from.address.toLowerCase());
  const loose = draft.loose ?? [];
  const chipsOf = (field: 'to' | 'cc' | 'bcc') => [
    ...draft[field].map(formatMailbox),
    ...loose.filter((l) => l.field === field && l.kind === 'chip').map((l) => l.text),
  ];
  const typingIn = (field: 'to' | 'cc' | 'bcc') =>
    loose.find((l) => l.field === field && l.kind === 'typing')?.text ?? '';
  useComposerStore.getState().loadDraft({
    fromIdentityId: identity?.id ?? null,
    to: chipsOf('to'),
    cc: chipsOf('cc'),
    bcc: chipsOf('bcc'),
    pending: { to: typingIn('to'), cc: typingIn('cc'), bcc: typingIn('bcc') },
    subject: draft.subject,
    body: draft.text,
    files: draft.attachments.map((a) => new File([a.content], a.name, { type: a.type })),
    messageId: /^<[^<>\s]+@[^<>\s]+>$/.test(draft.messageId) ? draft.messageId : null,
    encryptChoice: draft.encrypt,
    signChoice: draft.sign,
    draftId: email.id,
    threading: { inReplyTo: draft.inReplyTo ?? [], references: draft.references ?? [] },
  });
}
