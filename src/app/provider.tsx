import { type ReactNode, useState } from 'react';
import { createQueryLayer, QueryLayerProvider } from '@/queries/query-layer';
import { type Services, ServicesProvider } from '@/services/services';

export function AppProvider({ services, children }: { services: Services; children: ReactNode }) {
  const [queryLayer] = useState(createQueryLayer);
  return (
    <ServicesProvider services={services}>
      <QueryLayerProvider value={queryLayer}>{children}</QueryLayerProvider>
    </ServicesProvider>
  );
}
