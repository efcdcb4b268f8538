import {
  type ComponentType,
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';
import { AppError } from '@/core/errors/app-error';
import type { QueryClient } from '@tanstack/react-query';
import { loadCode } from '@/core/load-once';

// TanStack Query, which every view but the composer's first render needs, loads after the composer
// is usable (when it is idle, with the first recipient, or with the first other view), not with the
// page. Until then its cache is empty; the composer reads its start-up data without it (the session
// store's account setup, the keystore's own-key reader).

type LayerCode = typeof import('./query-layer-impl');

/** Here once loaded: asking whether it is must not start the download. */
let loadedCode: LayerCode | null = null;
const layerCode = loadCode(() => import('./query-layer-impl').then((code) => (loadedCode = code)));

/** The loaded query layer: this page's client, its provider, and the helpers that read its cache directly. */
export type LoadedQueryLayer = Pick<LayerCode, 'hashKey' | 'notifyManager' | 'QueryClientProvider'> & {
  queryClient: QueryClient;
};

export type QueryLayer = {
  /** The layer if its code is here (the client is made on first use), else null. */
  current(): LoadedQueryLayer | null;
  /** Loads the code if need be; the app's subscribers hear of it once loaded. */
  load(): LoadedQueryLayer | Promise<LoadedQueryLayer>;
  subscribe(onChange: () => void): () => void;
};

/** One per app (one query client, one cache); tests make their own. */
export function createQueryLayer(): QueryLayer {
  let layer: LoadedQueryLayer | null = null;
  let announced = false;
  const listeners = new Set<() => void>();
  const make = ({ hashKey, notifyManager, QueryClientProvider, createQueryClient }: LayerCode): LoadedQueryLayer =>
    (layer ??= { hashKey, notifyManager, QueryClientProvider, queryClient: createQueryClient() });
  const announce = (loaded: LoadedQueryLayer) => {
    if (!announced) {
      announced = true;
      for (const listener of [...listeners]) listener();
    }
    return loaded;
  };
  return {
    current: () => layer ?? (loadedCode ? make(loadedCode) : null),
    load() {
      const code = layerCode();
      return code instanceof Promise ? code.then((loaded) => announce(make(loaded))) : announce(make(code));
    },
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

const QueryLayerContext = createContext<QueryLayer | null>(null);
export const QueryLayerProvider = QueryLayerContext.Provider;

export function useQueryLayer(): QueryLayer {
  const layer = useContext(QueryLayerContext);
  if (!layer) throw new Error('useQueryLayer() outside QueryLayerProvider');
  return layer;
}

/** The loaded layer, or null until it is; the component renders again when it arrives. */
export function useLoadedQueryLayer(): LoadedQueryLayer | null {
  const layer = useQueryLayer();
  return useSyncExternalStore(layer.subscribe, layer.current);
}

/**
 * A component split off the start-up bundle that uses TanStack Query (a view, the passphrase
 * dialog): `pending` shows until it and the query layer are here. It never suspends: React holds
 * back content revealed after a Suspense fallback (by up to 300 ms). A failed download throws
 * `app/code-unavailable` to the nearest error boundary; the next mount (its Try again, another
 * visit) downloads again.
 */
export function withQueries<P extends object>(
  load: () => Promise<ComponentType<P>>,
  pending: ReactNode = null,
): ComponentType<P> {
  const code = loadCode(load);
  return function WithQueries(props: P) {
    const island = useQueryIsland(code, null);
    if (island === 'pending') return pending;
    if (island === 'failed') throw new AppError('app/code-unavailable', 'A module of the app failed to load');
    const Component = island.code;
    return (
      <InQueryClient layer={island.layer}>
        <Component {...props} />
      </InQueryClient>
    );
  };
}

/** `children` inside this app's query client, once the layer is here (see useQueryIsland). */
export function InQueryClient({ layer, children }: { layer: LoadedQueryLayer; children: ReactNode }) {
  const { QueryClientProvider, queryClient } = layer;
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

/** Told when an island's code arrived: the others that failed to download it have it now too. */
const arrivals = new Set<() => void>();

/**
 * Part of a view that shows what the query layer holds (a recipient's key, a domain's transport
 * status): `code` and the layer once both are here (asking starts their download), 'pending'
 * until then, 'failed' when a download failed, until `retryKey` changes or another island's
 * download succeeds. Unlike a lazy component it does not suspend: once the code is here it renders
 * in the same pass, so the queries it mounts start at once (React holds back content revealed
 * after a fallback).
 */
export function useQueryIsland<T>(
  code: () => T | Promise<T>,
  retryKey: unknown,
): { code: T; layer: LoadedQueryLayer } | 'pending' | 'failed' {
  const layer = useQueryLayer();
  const [failedFor, setFailedFor] = useState<{ key: unknown } | null>(null);
  const [, arrived] = useState(0);
  const failed = failedFor !== null && Object.is(failedFor.key, retryKey);
  const value = failed ? null : code();
  const loaded = layer.current();
  const ready = value !== null && !(value instanceof Promise) && loaded ? { code: value, layer: loaded } : null;
  if (value instanceof Promise) value.catch(() => undefined); // reported below
  const isReady = ready !== null;
  useEffect(() => {
    if (failed) {
      const retry = () => setFailedFor(null);
      arrivals.add(retry);
      return () => void arrivals.delete(retry);
    }
    if (isReady) return void layer.load(); // here already: what waits for the layer hears of it
    let current = true;
    Promise.all([code(), layer.load()]).then(
      () => {
        if (current) arrived((n) => n + 1);
        arrivals.forEach((retry) => retry());
      },
      () => current && setFailedFor({ key: retryKey }),
    );
    return () => {
      current = false;
    };
  }, [code, layer, failed, retryKey, isReady]);
  return ready ?? (failed ? 'failed' : 'pending');
}
