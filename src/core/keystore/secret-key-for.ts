import type { Keystore } from './keystore';
import type { KeyRecord } from './records';

/** The 8-byte key ID of a key or subkey: the last 16 hex digits of a v4 fingerprint, the first 16 of a v6 one. */
export const keyIdOf = (fingerprint: string, version: number) =>
  (version >= 6 ? fingerprint.slice(0, 16) : fingerprint.slice(-16)).toUpperCase();

/** Stored keys that hold (as primary key or subkey) one of `keyIds`, secret keys only if asked. */
async function keysHolding(
  keystore: Pick<Keystore, 'list' | 'get'>,
  keyIds: string[],
  options: { secretOnly: boolean; first: boolean },
): Promise<KeyRecord[]> {
  const wanted = new Set(keyIds);
  const found: KeyRecord[] = [];
  if (wanted.size === 0) return found;
  for (const entry of await keystore.list()) {
    if (options.secretOnly && entry.kind !== 'secret') continue;
    const record = await keystore.get(entry.fingerprint);
    const ids = [record.summary.fingerprint, ...record.summary.subkeys.map((s) => s.fingerprint)].map((f) =>
      keyIdOf(f, record.summary.version),
    );
    if (!ids.some((id) => wanted.has(id))) continue;
    found.push(record);
    if (options.first) break;
  }
  return found;
}

/** The stored secret key that holds one of `keyIds` (a message or draft is encrypted to), or null. */
export const secretKeyFor = async (keystore: Pick<Keystore, 'list' | 'get'>, keyIds: string[]) =>
  (await keysHolding(keystore, keyIds, { secretOnly: true, first: true }))[0] ?? null;

/** Stored keys (public parts) that hold one of `keyIds`: the signers of a message, when known. */
export const keysWithIds = (keystore: Pick<Keystore, 'list' | 'get'>, keyIds: string[]) =>
  keysHolding(keystore, keyIds, { secretOnly: false, first: false });
