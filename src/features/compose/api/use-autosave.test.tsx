// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Services, ServicesProvider } from '@/services/services';
import { useDiscoveryWarmUp } from './use-autosave';

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
        <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
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
