import { useQuery } from '@tanstack/react-query';
import { currentStatus, normalizeAddress } from '@/core/keystore/records';
import { useServices } from '@/services/services';

export const keyringKeys = {
  all: ['keyring'] as const,
  bindings: () => [...keyringKeys.all, 'bindings'] as const,
  list: () => [...keyringKeys.all, 'list'] as const,
  count: () => [...keyringKeys.all, 'count'] as const,
  key: (fingerprint: string) => [...keyringKeys.all, 'key', fingerprint] as const,
  eligible: (address: string) => [...keyringKeys.all, 'eligible', normalizeAddress(address)] as const,
  unlocked: () => [...keyringKeys.all, 'unlocked'] as const,
};

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

export type OwnKeyStatus = {
  status: 'pending' | 'valid' | 'invalid' | 'none';
  fingerprint?: string;
  expires?: string | null;
  detail?: string;
};

const EXPIRY_WARNING_MS = 30 * 86400_000;

/** The key bound to one of the user's addresses, as the From control shows it. */
export function useOwnKeyStatus(address: string | undefined): OwnKeyStatus & { expiresSoon: boolean } {
  const { now } = useServices();
  const bindings = useBindings();
  const fingerprint = address ? bindings.data?.[normalizeAddress(address)] : undefined;
  const record = useKeyRecord(fingerprint);
  if (bindings.isPending || (fingerprint && record.isPending)) return { status: 'pending', expiresSoon: false };
  if (!fingerprint || !record.data) return { status: 'none', expiresSoon: false };
  const summary = record.data.summary;
  const status = currentStatus(summary, now());
  const expiresSoon =
    status === 'valid' && !!summary.expires && Date.parse(summary.expires) - now().getTime() < EXPIRY_WARNING_MS;
  return {
    status: status === 'valid' ? 'valid' : 'invalid',
    fingerprint,
    expires: summary.expires,
    expiresSoon,
    ...(status !== 'valid' ? { detail: summary.statusDetail ?? `The key is ${status}.` } : {}),
  };
}
