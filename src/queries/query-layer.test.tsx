// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { ErrorBoundary } from 'react-error-boundary';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadOnce } from '@/core/load-once';
import { useQueryClient } from '@tanstack/react-query';
import { isAppError } from '@/core/errors/app-error';
import { createQueryLayer, QueryLayerProvider, useLoadedQueryLayer, useQueryIsland, withQueries } from './query-layer';

const imports = vi.hoisted(() => ({ count: 0 }));
vi.mock('./query-layer-impl', async (actual) => {
  imports.count++;
  return actual();
});

afterEach(cleanup);

describe('the query layer', () => {
  it('is not downloaded by asking whether it is here; once loaded, each app has one client and hears of it once', async () => {
    const layer = createQueryLayer();
    const heard = vi.fn();
    layer.subscribe(heard);
    expect(layer.current()).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(imports.count).toBe(0);

    const loaded = await layer.load();
    expect(imports.count).toBe(1);
    expect(layer.current()).toBe(loaded);
    expect(layer.load()).toBe(loaded); // no promise once here
    expect(heard).toHaveBeenCalledTimes(1);

    // Another app on the page (a test) gets a client of its own, from the code already here.
    const other = createQueryLayer();
    expect(other.current()?.queryClient).toBeDefined();
    expect(other.current()?.queryClient).not.toBe(loaded.queryClient);
    expect(imports.count).toBe(1);
  });

  it('re-renders what waits for it when it arrives', async () => {
    const layer = createQueryLayer();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryLayerProvider value={layer}>{children}</QueryLayerProvider>
    );
    // The code is here (the test above loaded it) but this app has not announced its layer yet.
    const { result } = renderHook(() => useLoadedQueryLayer(), { wrapper });
    await act(async () => void (await layer.load()));
    expect(result.current?.queryClient).toBe(layer.current()!.queryClient);
  });
});

describe('a part of a view that needs the query layer (useQueryIsland)', () => {
  function setUp() {
    const layer = createQueryLayer();
    let attempt = 0;
    const failFirst = vi.fn(async () => {
      attempt++;
      if (attempt === 1) throw new TypeError('Failed to fetch dynamically imported module');
      return { Part: 'the code' };
    });
    const code = loadOnce(failFirst);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryLayerProvider value={layer}>{children}</QueryLayerProvider>
    );
    return { layer, code, failFirst, wrapper };
  }

  it('is pending until its code is here, says so when the download failed, and tries again only when its key changes', async () => {
    const { code, failFirst, wrapper } = setUp();
    const { result, rerender } = renderHook(({ key }) => useQueryIsland(code, key), {
      wrapper,
      initialProps: { key: 'a' },
    });
    expect(result.current).toBe('pending');
    await vi.waitFor(() => expect(result.current).toBe('failed'));
    rerender({ key: 'a' });
    expect(result.current).toBe('failed');
    expect(failFirst).toHaveBeenCalledTimes(1);

    rerender({ key: 'b' }); // e.g. another chip added
    await vi.waitFor(() => expect(result.current).not.toBe('pending'));
    expect(failFirst).toHaveBeenCalledTimes(2);
    const island = result.current as Exclude<typeof result.current, string>;
    expect(island.code).toEqual({ Part: 'the code' });
    expect(island.layer.queryClient).toBeDefined();
  });

  it('renders in the same pass once its code is here: nothing waits for a task', async () => {
    const { code, wrapper } = setUp();
    await Promise.resolve(code()).catch(() => undefined);
    await code();
    const { result } = renderHook(() => useQueryIsland(code, 'k'), { wrapper });
    expect(result.current).not.toBe('pending');
  });
});

describe('a view that needs the query layer (withQueries)', () => {
  it('shows its placeholder, then the view inside the app’s query client; a failed download goes to the error boundary, and its Try again downloads again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // React reports the caught error
    const layer = createQueryLayer();
    let online = false;
    function Keys() {
      return <p>client {useQueryClient() === layer.current()!.queryClient ? 'shared' : 'other'}</p>;
    }
    const View = withQueries(
      async () => {
        if (!online) throw new TypeError('Failed to fetch dynamically imported module');
        return Keys;
      },
      <p>Loading…</p>,
    );
    const caught: unknown[] = [];
    render(
      <QueryLayerProvider value={layer}>
        <ErrorBoundary
          onError={(e) => caught.push(e)}
          fallbackRender={({ resetErrorBoundary }) => <button onClick={resetErrorBoundary}>Try again</button>}
        >
          <View />
        </ErrorBoundary>
      </QueryLayerProvider>,
    );
    expect(screen.getByText('Loading…')).toBeTruthy();
    await screen.findByText('Try again');
    expect(caught).toHaveLength(1);
    expect(isAppError(caught[0], 'app/code-unavailable')).toBe(true);
    online = true;
    act(() => screen.getByText('Try again').click());
    await screen.findByText('client shared');
    expect(caught).toHaveLength(1);
  });
});
