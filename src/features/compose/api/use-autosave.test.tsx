// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryLayer, QueryLayerProvider } from '@/queries/query-layer';
import { type Services, ServicesProvider } from '@/services/services';
import { saveDraft, type SaveDraftContext } from './drafts';
import { autosaveDelay, useAutosave, useDiscoveryWarmUp } from './use-autosave';

vi.mock('./drafts', async (actual) => ({ ...(await actual<typeof import('./drafts')>()), saveDraft: vi.fn() }));

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('the look-up warm-up', () => {
  it('waits until the composer is ready: the wait for the account is idle time, but not spare time', async () => {
    vi.useFakeTimers();
    const warmUpKeyChecks = vi.fn(async () => undefined);
    const services = {
      crypto: { warmUpKeyChecks },
      keystore: { getPin: async () => null, loadAddressIndex: async () => undefined },
      discovery: { ready: async () => undefined, fromKeystore: async () => null },
    } as unknown as Services;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <ServicesProvider services={services}>
        <QueryLayerProvider value={createQueryLayer()}>{children}</QueryLayerProvider>
      </ServicesProvider>
    );
    const { rerender } = renderHook(({ ready }) => useDiscoveryWarmUp(ready), {
      wrapper,
      initialProps: { ready: false },
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(warmUpKeyChecks).not.toHaveBeenCalled();
    rerender({ ready: true });
    await vi.advanceTimersByTimeAsync(5000);
    await vi.waitFor(() => expect(warmUpKeyChecks).toHaveBeenCalledTimes(1));
  });
});

describe('autosave', () => {
  const MiB = 1024 * 1024;

  it('waits longer after the last edit when the draft is large: each save uploads all of it again', () => {
    expect([0, MiB, 2 * MiB, 20 * MiB, 1024 * MiB].map(autosaveDelay)).toEqual([4000, 4000, 5000, 23_000, 60_000]);
  });

  it('saves once the delay for the draft’s size has passed since the last edit', async () => {
    vi.useFakeTimers();
    const context = {} as SaveDraftContext;
    const { rerender } = renderHook(({ revision }) => useAutosave(true, revision, 20 * MiB, () => context), {
      initialProps: { revision: 1 },
    });
    await vi.advanceTimersByTimeAsync(20_000);
    rerender({ revision: 2 }); // an edit re-arms it
    await vi.advanceTimersByTimeAsync(22_000);
    expect(saveDraft).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saveDraft).toHaveBeenCalledExactlyOnceWith(context, 'auto'));
  });
});
