import { hashKey, notifyManager, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createFrameScheduler } from '@/lib/frame-scheduler';

if (typeof requestAnimationFrame === 'function') notifyManager.setScheduler(createFrameScheduler());

export { hashKey, notifyManager, QueryClientProvider };

export const createQueryClient = (): QueryClient =>
  new QueryClient({
    defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false }, mutations: { retry: false } },
  });
