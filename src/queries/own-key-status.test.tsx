// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeystoreChange } from '@/core/keystore/keystore';
import type { KeyRecord } from '@/core/keystore/records';
import { type Services, ServicesProvider } from '@/services/services';
import { useOwnKeyStatus } from './own-key-status';

afterEach(cleanup);

/** A keystore holding bindings and key records, whose reads wait until released. */
function fakeKeystore() {
  const listeners = new Set<(change: KeystoreChange) => void>();
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const state = { bindings: {} as Record<string, string>, records: {} as Record<string, KeyRecord>, reads: 0 };
  const keystore = {
    async bindings() {
      state.reads++;
      const read = { ...state.bindings }; // what the read transaction sees
      await gate;
      return read;
    },
    async get(fingerprint: string) {
      const record = state.records[fingerprint];
      if (!record) throw new Error('not found');
      return record;
    },
    subscribe(listener: (change: KeystoreChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    keystore,
    state,
    hold: () => (gate = new Promise((r) => (release = r))),
    release: () => release(),
    change: (change: KeystoreChange) => listeners.forEach((l) => l(change)),
  };
}

const record = (fingerprint: string, status: 'valid' | 'revoked', expires: string | null = null) =>
  ({ summary: { fingerprint, status, expires, statusDetail: status === 'revoked' ? 'Revoked.' : null } }) as KeyRecord;

describe('the key bound to the From address (read without the query layer)', () => {
  it('is pending, then read; a change to the keys is read again while the last answer stays; pins do not count', async () => {
    const store = fakeKeystore();
    const now = new Date('2026-12-06T10:00:00Z');
    const services = { keystore: store.keystore, now: () => now } as unknown as Services;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <ServicesProvider services={services}>{children}</ServicesProvider>
    );
    const { result, rerender } = renderHook(({ address }) => useOwnKeyStatus(address), {
      wrapper,
      initialProps: { address: 'Alice@Example.test' },
    });
    expect(result.current.status).toBe('pending');
    await act(async () => undefined);
    expect(result.current.status).toBe('none');

    // Bound in the Keys view (or in another tab): the icon follows, without passing through "pending".
    store.state.bindings = { 'alice@example.test': 'F1' };
    store.state.records = { F1: record('F1', 'valid', '2026-12-20T00:00:00Z') };
    store.hold();
    act(() => store.change({ type: 'keystore-changed' }));
    expect(result.current.status).toBe('none');
    await act(async () => store.release());
    expect(result.current).toMatchObject({ status: 'valid', fingerprint: 'F1', expiresSoon: true });

    store.state.records = { F1: record('F1', 'revoked') };
    await act(async () => store.change({ type: 'keystore-changed' }));
    expect(result.current).toMatchObject({ status: 'invalid', fingerprint: 'F1', detail: 'Revoked.' });

    // A write that lands while the last read is under way is read again after it.
    store.hold();
    act(() => store.change({ type: 'keystore-changed' }));
    store.state.bindings = {}; // unbound meanwhile
    act(() => store.change({ type: 'keystore-changed' }));
    await act(async () => store.release());
    await act(async () => undefined);
    expect(result.current.status).toBe('none');

    const reads = store.state.reads;
    act(() => store.change({ type: 'pins-changed', addresses: ['bob@example.test'] }));
    await act(async () => undefined);
    expect(store.state.reads).toBe(reads);

    // Another From address is read once, then known.
    rerender({ address: 'alias@example.test' });
    await act(async () => undefined);
    expect(result.current.status).toBe('none');
  });
});
