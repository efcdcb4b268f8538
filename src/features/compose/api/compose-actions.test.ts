import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resetComposer, useComposerStore } from '../stores/composer-store';
import { runSend, saveDraft } from './compose-actions';
import type { SaveDraftContext } from './drafts';
import { createQueryLayer } from '@/queries/query-layer';

// A page whose saving and sending code can no longer be downloaded (offline, or the app was updated).
vi.mock('./drafts', () => {
  throw new TypeError('Failed to fetch dynamically imported module');
});
vi.mock('./run-send', () => {
  throw new TypeError('Failed to fetch dynamically imported module');
});

describe('saving and sending when their code cannot be loaded', () => {
  beforeEach(resetComposer);

  it('Send says the message was not sent and why, and the message stays in the composer', async () => {
    useComposerStore.getState().setSubject('Kept');
    await runSend({ queries: createQueryLayer() } as Parameters<typeof runSend>[0]);
    const { status, subject } = useComposerStore.getState();
    expect(status).toEqual({
      state: 'failed',
      message: expect.stringMatching(/^Not sent\. Part of the app could not be loaded/),
    });
    expect(subject).toBe('Kept');
  });

  it('a draft saved by hand reports the failure in the alert and the draft status; autosave only in the status', async () => {
    await saveDraft({} as SaveDraftContext, 'manual');
    const manual = useComposerStore.getState();
    expect(manual.status).toEqual({
      state: 'failed',
      message: expect.stringMatching(/^Draft not saved\. Part of the app/),
    });
    expect(manual.draftStatus).toEqual(manual.status);
    resetComposer();
    await saveDraft({} as SaveDraftContext, 'auto');
    const auto = useComposerStore.getState();
    expect(auto.status.state).toBe('idle');
    expect(auto.draftStatus).toEqual({
      state: 'failed',
      message: expect.stringMatching(/^Draft not saved\. Part of the app/),
    });
  });
});
