import type { CryptoApi, InspectedKey, KeySummary } from '../crypto/types';
import type { BatchedRead } from './read-batch';
import { type KeyRecord, SCHEMA_VERSION } from './records';
import { getRecord, putRecord } from './record-writes';

export type StoreResult = {
  stored: KeySummary[];
  merged: KeySummary[];
  refused: { fingerprint: string; label: string; reason: string }[];
};

type StoreDeps = {
  crypto: Pick<CryptoApi, 'protectKey' | 'mergeKeys'>;
  now: () => Date;
  read: BatchedRead;
  write: (callback: (s: IDBObjectStore) => Promise<void>, what: string) => Promise<void>;
};

/** Attempts at writing keys that another tab changed meanwhile, each after merging again. */
const MAX_ATTEMPTS = 5;

/** See Keystore.storeInspected. */
export async function storeInspectedKeys(
  deps: StoreDeps,
  keys: InspectedKey[],
  passphrases: Record<string, string>,
): Promise<StoreResult> {
  const { crypto, now, read, write } = deps;
  const result: StoreResult = { stored: [], merged: [], refused: [] };
  const label = (k: InspectedKey) => k.summary.primaryUserId ?? k.summary.fingerprint;
  const ready: { incoming: { armoredPublic: string; armoredSecret: string | null }; summary: KeySummary }[] = [];
  for (const key of keys) {
    if (key.refusal) {
      result.refused.push({ fingerprint: key.summary.fingerprint, label: label(key), reason: key.refusal });
      continue;
    }
    let armoredSecret = key.armoredSecret;
    if (armoredSecret && !key.secretProtected) {
      const passphrase = passphrases[key.summary.fingerprint];
      if (!passphrase) {
        result.refused.push({
          fingerprint: key.summary.fingerprint,
          label: label(key),
          reason: 'This secret key has no passphrase: set one to store it.',
        });
        continue;
      }
      armoredSecret = await crypto.protectKey(armoredSecret, passphrase);
    }
    ready.push({ incoming: { armoredPublic: key.armoredPublic, armoredSecret }, summary: key.summary });
  }
  // Optimistic concurrency: merge outside the transaction (the crypto is asynchronous), then
  // write only if the stored record did not change meanwhile (another tab); else merge again.
  let pending = ready;
  for (let attempt = 0; pending.length && attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await read(
      (s) => Promise.all(pending.map((p) => getRecord(s, p.summary.fingerprint))),
      'Reading keys',
    );
    const planned = await Promise.all(
      pending.map(async (p, i): Promise<{ record: KeyRecord; previous: KeyRecord | undefined }> => {
        const previous = existing[i];
        const stamp = now().toISOString();
        if (!previous) {
          return {
            previous,
            record: {
              v: SCHEMA_VERSION,
              fingerprint: p.summary.fingerprint,
              ...p.incoming,
              revocationCertificate: null,
              summary: p.summary,
              origin: 'imported',
              addedAt: stamp,
              updatedAt: stamp,
            },
          };
        }
        const merged = await crypto.mergeKeys(
          { armoredPublic: previous.armoredPublic, armoredSecret: previous.armoredSecret },
          p.incoming,
        );
        return { previous, record: { ...previous, ...merged, updatedAt: stamp } };
      }),
    );
    const conflicts: typeof pending = [];
    await write(async (s) => {
      for (const [i, { record, previous }] of planned.entries()) {
        const current = await getRecord(s, record.fingerprint);
        if (current?.updatedAt !== previous?.updatedAt) {
          conflicts.push(pending[i]!);
          continue;
        }
        await putRecord(s, record, current);
        (previous ? result.merged : result.stored).push(record.summary);
      }
    }, 'Storing keys');
    pending = conflicts;
  }
  return result;
}
