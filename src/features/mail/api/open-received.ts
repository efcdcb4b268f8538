import { proxy } from 'comlink';
import { isAppError } from '@/core/errors/app-error';
import type { JmapClient } from '@/core/jmap/client';
import type { SentEmail } from '@/core/jmap/mail';
import { keysWithIds, secretKeyFor } from '@/core/keystore/secret-key-for';
import { addressKey } from '@/core/mime/addresses';
import { autocryptEvents } from '@/core/reading/autocrypt-events';
import type { ReadProgress } from '@/core/reading/reading-worker-api';
import type { OpenedMessage } from '@/core/reading/types';
import type { Services } from '@/services/services';
import { ensureUnlocked, isUnlockDeclined } from '@/unlock/ensure-unlocked';

/** Without a limit from the server, decompression stops here. */
const DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024;

/** The stored public keys for these addresses (own keys too), and the key pinned for the first (used too). */
async function signerKeysFor(services: Services, addresses: string[]) {
  const keys = new Map<string, string>();
  for (const address of addresses) {
    for (const entry of await services.keystore.entriesFor(address)) {
      keys.set(entry.fingerprint, (await services.keystore.get(entry.fingerprint)).armoredPublic);
    }
  }
  const pin = addresses[0] ? await services.keystore.getPin(addresses[0]) : null;
  if (pin) keys.set(pin.fingerprint, pin.armoredPublic);
  return { keys, pinned: pin?.fingerprint ?? null };
}

/**
 * Open a message of the account: the worker downloads its raw bytes; unlock the secret key its root is
 * encrypted to (asking for the passphrase; a cancel leaves it `locked`), then decrypt and verify
 * in the worker against the stored keys of its sender. Signers the first pass did not know, and a
 * protected From that differs from the outer one, get a second pass with their stored keys.
 * `extraKeys`: keys the user looked up for this message.
 */
export async function openReceived(options: {
  email: Pick<SentEmail, 'blobId' | 'from' | 'size'>;
  client: JmapClient;
  services: Services;
  extraKeys?: string[];
  /** How far the download and decryption got; told again from 0 should a second pass be needed. */
  onProgress?: ReadProgress;
  /** Addresses whose Autocrypt state this message changed (their recipient look-ups are stale). */
  onAutocrypt?: (addresses: string[]) => void;
}): Promise<OpenedMessage<Blob>> {
  const opened = await openAndVerify(options);
  // Autocrypt bookkeeping never stands in the way of reading the message.
  void autocryptEvents(opened, options.services.crypto, options.services.now())
    .then((events) => options.services.keystore.recordAutocrypt(events))
    .then((changed) => changed.length && options.onAutocrypt?.(changed))
    .catch(() => undefined);
  return opened;
}

async function openAndVerify(options: Parameters<typeof openReceived>[0]): Promise<OpenedMessage<Blob>> {
  const { email, client, services } = options;
  const raw = {
    url: client.downloadUrl({ blobId: email.blobId, name: 'message.eml', type: 'message/rfc822' }),
    authorization: client.authorization(),
    ...(email.size ? { size: email.size } : {}),
  };
  // Called from the worker: a Comlink proxy, released by the worker when the opening is done.
  const onProgress = options.onProgress && proxy(options.onProgress);
  const keyIds = await services.reading.messageKeyIds(raw);
  let cannotDecrypt: 'no-key' | 'locked' | undefined;
  if (keyIds.length) {
    const key = await secretKeyFor(services.keystore, keyIds);
    if (!key) cannotDecrypt = 'no-key';
    else {
      try {
        await ensureUnlocked(services.crypto, key.fingerprint, key.summary.primaryUserId ?? key.fingerprint);
      } catch (e) {
        if (!isUnlockDeclined(e)) throw e;
        cannotDecrypt = 'locked';
      }
    }
  }
  const maxDecompressedBytes = client.session.core.maxSizeUpload || DEFAULT_MAX_DECOMPRESSED;
  const outerFrom = (email.from ?? []).map((a) => addressKey(a.email));
  const first = await signerKeysFor(services, outerFrom);
  for (const k of options.extraKeys ?? []) first.keys.set(k, k);
  const open = (keys: Map<string, string>, pinned: string | null) =>
    services.reading
      .openMessage(
        raw,
        {
          verifyWith: [...keys.values()],
          pinned,
          maxDecompressedBytes,
          ...(cannotDecrypt ? { cannotDecrypt } : {}),
        },
        onProgress,
      )
      .catch(async (e: unknown) => {
        // The key was locked again (its time ran out) between the check and the decryption.
        if (isAppError(e, 'crypto/key-locked')) return openAndVerify(options);
        throw e;
      });
  const opened = await open(first.keys, first.pinned);
  const innerFrom = opened.headers.from.map((m) => addressKey(m.address));
  const fromChanged = innerFrom.join(',') !== outerFrom.join(',');
  const known = await keysWithIds(services.keystore, opened.unknownIssuers);
  if (!fromChanged && known.length === 0) return opened;
  const second = fromChanged ? await signerKeysFor(services, innerFrom) : first;
  const keys = new Map([...first.keys, ...second.keys, ...known.map((r) => [r.fingerprint, r.armoredPublic] as const)]);
  return open(keys, second.pinned);
}
