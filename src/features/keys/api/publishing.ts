import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { CryptoApi } from '@/core/crypto/types';
import type { DiscoveryResult } from '@/core/discovery/types';
import { AppError } from '@/core/errors/app-error';
import type { KeyListEntry } from '@/core/keystore/records';
import { normalizeAddress } from '@/core/keystore/records';
import { planPublication, type WkdStatus } from '@/core/publishing/plan-publication';
import { createPublishingClient } from '@/core/publishing/publishing-client';
import { useCompanionConfig } from '@/queries/companion';
import { keyringKeys } from '@/queries/query-keys';
import { useServices } from '@/services/services';
import { useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { usePublishingStore } from '@/stores/publishing-store';
import { useJmapClient } from '@/stores/session-store';

export const publicationKeys = {
  all: ['publication'] as const,
  directory: (address: string) => [...publicationKeys.all, 'wkd', normalizeAddress(address)] as const,
  keyServer: (address: string, fingerprint: string | null) =>
    [...publicationKeys.all, 'vks', normalizeAddress(address), fingerprint ?? ''] as const,
};

const domainOf = (address: string) => normalizeAddress(address).slice(address.lastIndexOf('@') + 1);

/** The companion's publishing API for the signed-in account, or null where no companion publishes. */
export function usePublishingClient() {
  const services = useServices();
  const client = useJmapClient();
  const companion = useCompanionConfig();
  const config = companion.data ?? null;
  const publishing = useMemo(
    () =>
      config && config.wkdDomains.length
        ? createPublishingClient({ fetch: services.fetch, base: services.origin, authorization: client.authorization })
        : null,
    [config, services, client],
  );
  return { publishing, config, loading: companion.isPending };
}

/**
 * Keeps one address's directory entry in step with its binding (core's planPublication decides)
 * and says what the directory serves. Publishing needs no passphrase: the key's own
 * self-signature claims the address, the JMAP login shows the account owns it.
 */
export function useAddressPublication(address: string, bound: KeyListEntry | null) {
  const { keystore } = useServices();
  const queryClient = useQueryClient();
  const { publishing, config, loading } = usePublishingClient();
  const key = normalizeAddress(address);
  const publishOn = usePublishingStore((s) => !s.off[key]);
  const lastPublished = usePublishingStore((s) => s.published[key] ?? null);
  const served = !!config?.wkdDomains.includes(domainOf(address));
  const directory = useQuery({
    queryKey: publicationKeys.directory(address),
    queryFn: () => publishing!.state(address),
    enabled: served && !!publishing,
    staleTime: 30_000,
    retry: false,
  });
  // A refused attempt is not repeated for the same key version (the reason stays on screen).
  const [failedFor, setFailedFor] = useState<string | null>(null);
  const version = bound ? `${bound.fingerprint}/${bound.updatedAt}/${publishOn}` : `none/${publishOn}`;
  const sync = useMutation({
    mutationFn: async (action: 'publish' | 'withdraw') => {
      if (action === 'withdraw') {
        await publishing!.withdraw(address);
        usePublishingStore.getState().notePublished(key, null);
        return;
      }
      const record = await keystore.get(bound!.fingerprint);
      await publishing!.publish(address, record.armoredPublic);
      usePublishingStore
        .getState()
        .notePublished(key, { fingerprint: record.fingerprint, updatedAt: record.updatedAt });
    },
    onSuccess: () => setFailedFor(null),
    onError: () => setFailedFor(version),
    onSettled: () => queryClient.invalidateQueries({ queryKey: publicationKeys.directory(address) }),
  });
  const plan = directory.data
    ? planPublication({
        served,
        bound: bound && { fingerprint: bound.fingerprint, updatedAt: bound.updatedAt, status: bound.status },
        publishOn,
        directory: directory.data,
        lastPublished,
      })
    : null;
  const action = plan?.action ?? 'none';
  const blocked = failedFor === version || sync.isPending || directory.isFetching;
  useEffect(() => {
    if (action !== 'none' && !blocked) sync.mutate(action);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one attempt per plan and key version
  }, [action, blocked, version]);
  const status: WkdStatus =
    !served || (!loading && !publishing)
      ? 'unavailable'
      : directory.isError || (sync.isError && failedFor === version)
        ? 'error'
        : sync.isPending || directory.isPending
          ? 'pending'
          : (plan?.shown ?? 'pending');
  return {
    status,
    served: served && !!publishing,
    publishOn,
    setPublishOn: (on: boolean) => usePublishingStore.getState().setPublishOn(key, on),
    error: sync.error ?? directory.error ?? null,
    reason: directory.data?.status === 'unavailable' ? directory.data.reason : null,
  };
}

export type VksStatus = 'not-uploaded' | 'pending-verification' | 'verified' | 'error';

/** What the key server says for the address and the bound key; `pending-verification` after an upload from here. */
export function useKeyServerStatus(address: string, fingerprint: string | null) {
  const { fetch: fetchFn, crypto } = useServices();
  const keyServer = useDiscoverySettingsStore((s) => s.keyServer.trim());
  const uploaded = usePublishingStore((s) => s.uploaded[normalizeAddress(address)] ?? null);
  const uploadedThis = !!fingerprint && uploaded?.fingerprint === fingerprint;
  return useQuery({
    queryKey: [...publicationKeys.keyServer(address, fingerprint), keyServer, uploadedThis],
    enabled: !!fingerprint && !!keyServer,
    queryFn: async ({ signal }): Promise<VksStatus> => {
      const found = await keyServerFingerprints(fetchFn, crypto, keyServer, address, signal).catch(() => null);
      if (found?.includes(fingerprint!)) return 'verified';
      return uploadedThis ? 'pending-verification' : 'not-uploaded';
    },
    refetchInterval: (q) => (q.state.data === 'pending-verification' ? 10_000 : false),
    retry: false,
  });
}

/** Fingerprints of the keys the key server returns for the address (empty for none). */
async function keyServerFingerprints(
  fetchFn: typeof fetch,
  crypto: Pick<CryptoApi, 'keysForAddress'>,
  keyServer: string,
  address: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const url = `${keyServer.replace(/\/+$/, '')}/vks/v1/by-email/${encodeURIComponent(address)}`;
  const response = await fetchFn(url, { credentials: 'omit', cache: 'no-store', signal: signal ?? null });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const { keys } = await crypto.keysForAddress(new Uint8Array(await response.arrayBuffer()), address);
  return keys.map((k) => k.summary.fingerprint);
}

export type CheckAnswer = 'same-key' | 'different-key' | 'no-key' | 'unreachable' | 'error';

const compare = (found: string[], fingerprint: string): CheckAnswer =>
  found.length === 0 ? 'no-key' : found.includes(fingerprint) ? 'same-key' : 'different-key';

function fromLookUp(result: DiscoveryResult, fingerprint: string): CheckAnswer {
  if (result.status === 'found' || result.status === 'invalid') return compare([result.fingerprint], fingerprint);
  if (result.status === 'none') return 'no-key';
  return result.failures.some((f) => f.reason === 'network' || f.reason === 'no-wkd' || f.reason === 'timeout')
    ? 'unreachable'
    : 'error';
}

/** "Can people find my key?": this app's look-up path, the public internet's route, and the key server. */
export function useSelfCheck(address: string, fingerprint: string | null) {
  const services = useServices();
  const { publishing } = usePublishingClient();
  const keyServer = useDiscoverySettingsStore((s) => s.keyServer.trim());
  return useMutation({
    mutationFn: async () => {
      const fp = fingerprint ?? '';
      const lookUp = services.discovery.lookUp;
      const wkd = lookUp
        ? fromLookUp(await lookUp(address, { settings: { keyServer: '', useWkd: true } }), fp)
        : ('error' as const);
      let publicRoute: CheckAnswer;
      if (publishing) {
        const line = await publishing.checkPublic(address).catch(() => null);
        if (!line) publicRoute = 'error';
        else if (line.key) {
          const bytes = Uint8Array.from(atob(line.key), (c) => c.charCodeAt(0));
          const { keys } = await services.crypto.keysForAddress(bytes, address).catch(() => ({ keys: [] }));
          publicRoute = compare(
            keys.map((k) => k.summary.fingerprint),
            fp,
          );
        } else
          publicRoute =
            line.outcome === 'not-found' ? 'no-key' : line.outcome === 'http-error' ? 'error' : 'unreachable';
      } else {
        publicRoute = lookUp
          ? fromLookUp(await lookUp(address, { settings: { keyServer: '', wkdMode: 'browser', proxyBase: null } }), fp)
          : 'error';
      }
      const vks = keyServer
        ? await keyServerFingerprints(services.fetch, services.crypto, keyServer, address)
            .then((found) => compare(found, fp))
            .catch(() => 'unreachable' as const)
        : ('error' as const);
      return { wkd, public: publicRoute, vks };
    },
  });
}

/** Upload the bound key to the key server (through the companion) and ask it to verify the address by mail. */
export function useKeyServerUpload(address: string) {
  const services = useServices();
  const queryClient = useQueryClient();
  const { publishing } = usePublishingClient();
  const keyServer = useDiscoverySettingsStore((s) => s.keyServer.trim());
  return useMutation({
    mutationFn: async (fingerprint: string): Promise<{ kind: 'sent' | 'verified' | 'form'; to: string }> => {
      const record = await services.keystore.get(fingerprint);
      if (!publishing) {
        // keys.openpgp.org's upload API sends no CORS headers: its own form, in a new tab.
        submitUploadForm(keyServer, record.armoredPublic);
        return { kind: 'form', to: address };
      }
      const upload = await publishing.uploadToKeyServer(record.armoredPublic);
      const wanted = normalizeAddress(address);
      if (upload.status[wanted] === 'published') return { kind: 'verified', to: wanted };
      await publishing.requestVerification(upload.token, [wanted]);
      usePublishingStore.getState().noteUploaded(wanted, { fingerprint, at: new Date().toISOString() });
      return { kind: 'sent', to: wanted };
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: publicationKeys.all }),
  });
}

function submitUploadForm(keyServer: string, armoredPublic: string) {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = `${keyServer.replace(/\/+$/, '')}/upload/submit`;
  form.target = '_blank';
  form.enctype = 'application/x-www-form-urlencoded';
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = 'keytext';
  field.value = armoredPublic;
  form.append(field);
  document.body.append(form);
  form.submit();
  form.remove();
}

/** Extend the bound key by two years (after its passphrase), keeping its fingerprint; the binding republishes it. */
export function useExtendKey() {
  const services = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({
      fingerprint,
      ensureUnlocked,
    }: {
      fingerprint: string;
      ensureUnlocked: () => Promise<void>;
    }) => {
      await ensureUnlocked();
      const record = await services.keystore.get(fingerprint);
      if (!record.armoredSecret)
        throw new AppError('keystore/not-found', 'Not a secret key', { detail: 'Only a secret key can be extended.' });
      const expiresAt = new Date(services.now().getTime() + EXTEND_BY_MS).toISOString();
      const updated = await services.crypto.extendExpiry(fingerprint, expiresAt, record.armoredSecret);
      await services.keystore.replace(fingerprint, updated);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: keyringKeys.all }),
  });
}

/** Extending gives two more years from today. */
const EXTEND_BY_MS = 2 * 365.25 * 86400_000;

/** The bound key expires within 30 days, or has. */
export const EXTEND_WARNING_MS = 30 * 86400_000;
