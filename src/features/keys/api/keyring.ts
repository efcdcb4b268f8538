import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GenerateKeyInput, InspectedKey } from '@/core/crypto/types';
import { keyringKeys } from '@/queries/query-keys';
import { useServices } from '@/services/services';
import { ensureUnlocked } from '@/unlock/ensure-unlocked';

export function useKeyList() {
  const { keystore } = useServices();
  return useQuery({ queryKey: keyringKeys.list(), queryFn: () => keystore.list(), staleTime: Infinity });
}

export function useEligibleKeys(address: string) {
  const { keystore } = useServices();
  return useQuery({
    queryKey: keyringKeys.eligible(address),
    queryFn: () => keystore.eligibleKeys(address),
    staleTime: Infinity,
  });
}

export function useUnlockedKeys() {
  const { crypto } = useServices();
  return useQuery({ queryKey: keyringKeys.unlocked(), queryFn: () => crypto.unlockedKeys(), refetchInterval: 30_000 });
}

/** Every keystore change refreshes what is shown of it (this tab; others hear the BroadcastChannel). */
function useInvalidateKeyring() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: keyringKeys.all });
}

export function useGenerateKey() {
  const { crypto, keystore } = useServices();
  const invalidate = useInvalidateKeyring();
  return useMutation({
    mutationFn: async (input: GenerateKeyInput) => {
      const generated = await crypto.generateKey(input);
      await keystore.storeGenerated(generated);
      return generated;
    },
    onSuccess: invalidate,
  });
}

export function useInspectKeys() {
  const { crypto } = useServices();
  return useMutation({ mutationFn: (data: string | Uint8Array) => crypto.inspectKeys(data) });
}

export function useStoreKeys() {
  const { keystore } = useServices();
  const invalidate = useInvalidateKeyring();
  return useMutation({
    mutationFn: ({ keys, passphrases }: { keys: InspectedKey[]; passphrases: Record<string, string> }) =>
      keystore.storeInspected(keys, passphrases),
    onSettled: invalidate,
  });
}

export function useDeleteKey() {
  const { keystore, crypto } = useServices();
  const invalidate = useInvalidateKeyring();
  return useMutation({
    mutationFn: async (fingerprint: string) => {
      await crypto.lockKey(fingerprint);
      await keystore.remove(fingerprint);
    },
    onSettled: invalidate,
  });
}

export function useBindKey() {
  const { keystore } = useServices();
  const invalidate = useInvalidateKeyring();
  return useMutation({
    mutationFn: ({ address, fingerprint }: { address: string; fingerprint: string | null }) =>
      keystore.bind(address, fingerprint),
    onSettled: invalidate,
  });
}

/** Unlock (asking for the passphrase if needed) and lock keys in the worker. */
export function useKeyLocking() {
  const { crypto } = useServices();
  const queryClient = useQueryClient();
  return {
    ensureUnlocked: (fingerprint: string, label: string) => ensureUnlocked(crypto, fingerprint, label),
    async lock(fingerprint: string) {
      await crypto.lockKey(fingerprint);
      await queryClient.invalidateQueries({ queryKey: keyringKeys.unlocked() });
    },
  };
}

/** Add a user ID for one of the account's addresses to a secret key (unlocking it first). */
export function useAddUserId() {
  const { crypto, keystore } = useServices();
  const invalidate = useInvalidateKeyring();
  const { ensureUnlocked } = useKeyLocking();
  return useMutation({
    mutationFn: async ({
      fingerprint,
      label,
      name,
      email,
    }: {
      fingerprint: string;
      label: string;
      name: string;
      email: string;
    }) => {
      await ensureUnlocked(fingerprint, label);
      const record = await keystore.get(fingerprint);
      const updated = await crypto.addUserId(fingerprint, { name, email }, record.armoredSecret!);
      await keystore.replace(fingerprint, updated);
    },
    onSettled: invalidate,
  });
}
