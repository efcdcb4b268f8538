import { notifyManager, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { createFrameScheduler } from '@/lib/frame-scheduler';
import { type Services, ServicesProvider } from '@/services/services';

if (typeof requestAnimationFrame === 'function') notifyManager.setScheduler(createFrameScheduler());

export function AppProvider({ services, children }: { services: Services; children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false }, mutations: { retry: false } },
      }),
  );
  return (
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </ServicesProvider>
  );
}
