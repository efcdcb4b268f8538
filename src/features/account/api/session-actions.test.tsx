// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueryLayer, QueryLayerProvider } from '@/queries/query-layer';
import { type Services, ServicesProvider } from '@/services/services';
import { useSignOut } from './session-actions';

afterEach(cleanup);

describe('signing out', () => {
  it('forgets the stored credentials at once, even while the worker that locks the keys is busy', async () => {
    const done: string[] = [];
    let finishLocking!: () => void;
    const services = {
      vault: { clear: async () => void done.push('credentials cleared') },
      crypto: {
        lockAll: () =>
          new Promise<void>((resolve) => {
            finishLocking = () => {
              done.push('keys locked');
              resolve();
            };
          }),
      },
    } as unknown as Services;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <ServicesProvider services={services}>
        <QueryLayerProvider value={createQueryLayer()}>{children}</QueryLayerProvider>
      </ServicesProvider>
    );
    const { result } = renderHook(() => useSignOut(), { wrapper });
    let signedOut!: Promise<void>;
    await act(async () => {
      signedOut = result.current();
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(done).toEqual(['credentials cleared']);
    await act(async () => {
      finishLocking();
      await signedOut;
    });
    expect(done).toEqual(['credentials cleared', 'keys locked']);
  });
});
