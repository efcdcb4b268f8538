import { createContext, type ReactNode, useContext } from 'react';
import { type CredentialVault, createCredentialVault } from './credential-vault';

/** What the React side gets from outside: the composition root, swapped for fakes in tests. */
export type Services = {
  fetch: typeof fetch;
  now: () => Date;
  vault: CredentialVault;
  origin: string;
};

export const createBrowserServices = (): Services => ({
  fetch: (input, init) => globalThis.fetch(input, init),
  now: () => new Date(),
  vault: createCredentialVault(),
  origin: window.location.origin,
});

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside ServicesProvider');
  return services;
}
