import { useQuery } from '@tanstack/react-query';
import { useServices } from '@/services/services';
import { keyringKeys } from './query-keys';

export function useBindings() {
  const { keystore } = useServices();
  return useQuery({ queryKey: keyringKeys.bindings(), queryFn: () => keystore.bindings(), staleTime: Infinity });
}

export function useKeyRecord(fingerprint: string | undefined) {
  const { keystore } = useServices();
  return useQuery({
    queryKey: keyringKeys.key(fingerprint ?? ''),
    queryFn: () => keystore.get(fingerprint!),
    enabled: !!fingerprint,
    staleTime: Infinity,
  });
}
