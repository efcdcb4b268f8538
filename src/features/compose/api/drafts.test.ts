import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JmapClient } from '@/core/jmap/client';
import type { AccountMailboxes } from '@/core/jmap/account-setup';
import type { Identity } from '@/core/jmap/types';
import { createQueryLayer } from '@/queries/query-layer';
import type { Services } from '@/services/services';
import { resetComposer, useComposerStore } from '../stores/composer-store';
import { saveDraft } from './drafts';

afterEach(() => resetComposer());

describe('saving a draft', () => {
  it('too large for the server’s uploads: refused before it is built and encrypted, and nothing is lost', async () => {
    const buildDraft = vi.fn();
    const services = {
      keystore: { get: async () => ({ fingerprint: 'F', armoredPublic: 'KEY' }) },
      crypto: { unlockedKeys: async () => [] },
      outgoing: { buildDraft },
      now: () => new Date(),
    } as unknown as Services;
    const client = { session: { core: { maxSizeUpload: 1000 }, mail: {}, submission: {} } } as unknown as JmapClient;
    const context = {
      services,
      client,
      queries: createQueryLayer(),
      identity: { id: 'I', name: '', email: 'alice@example.org' } as Identity,
      mailboxes: {} as AccountMailboxes,
      ownKey: { status: 'valid' as const, fingerprint: 'F' },
      encrypt: true,
    };
    const store = useComposerStore.getState();
    store.setSubject('kept');
    // 600 bytes are 820 in base64 lines, and 1130 once encrypted to the own key and armored.
    store.addFiles([new File([new Uint8Array(600)], 'a.bin')]);
    expect(await saveDraft(context, 'manual')).toBe(false);
    expect(buildDraft).not.toHaveBeenCalled();
    const message =
      'Draft not saved. With its attachments this draft is at least 1.1 KiB encrypted, and the server accepts uploads of at most 1000 bytes. Remove attachments to save it.';
    expect(useComposerStore.getState().status).toEqual({ state: 'failed', message });
    expect(useComposerStore.getState().draftStatus).toEqual({ state: 'failed', message });
    expect(useComposerStore.getState().subject).toBe('kept');
    expect(useComposerStore.getState().attachments).toHaveLength(1);
    // Autosave says so in the draft status only.
    useComposerStore.getState().setStatus({ state: 'idle' });
    useComposerStore.getState().setBody('more');
    expect(await saveDraft(context, 'auto')).toBe(false);
    expect(useComposerStore.getState().status).toEqual({ state: 'idle' });
    expect(buildDraft).not.toHaveBeenCalled();
  });
});
