import { requestDone } from './migrations';
import { type BindingsRecord, type KeyRecord, listEntryOf, RECORD_KEYS, SCHEMA_VERSION } from './records';

export const getRecord = (s: IDBObjectStore, fingerprint: string) =>
  requestDone(s.get(RECORD_KEYS.key(fingerprint))) as Promise<KeyRecord | undefined>;

/** Write a key, its list entry and its address index entries (all in the caller's transaction). */
export async function putRecord(s: IDBObjectStore, record: KeyRecord, previous: KeyRecord | undefined) {
  const entry = listEntryOf(record);
  const before = previous ? listEntryOf(previous).addresses : [];
  s.put(record, RECORD_KEYS.key(record.fingerprint));
  s.put(entry, RECORD_KEYS.entry(record.fingerprint));
  for (const address of new Set([...before, ...entry.addresses])) {
    const key = RECORD_KEYS.address(address);
    const list = ((await requestDone(s.get(key))) as string[] | undefined) ?? [];
    const next = entry.addresses.includes(address)
      ? [...new Set([...list, record.fingerprint])]
      : list.filter((f) => f !== record.fingerprint);
    if (next.length) s.put(next, key);
    else s.delete(key);
  }
}

/** Delete a key with its list entry, its address index entries and any binding to it (in the caller's transaction). */
export async function deleteRecord(s: IDBObjectStore, fingerprint: string): Promise<void> {
  const previous = await getRecord(s, fingerprint);
  if (!previous) return;
  for (const address of listEntryOf(previous).addresses) {
    const key = RECORD_KEYS.address(address);
    const list = (((await requestDone(s.get(key))) as string[] | undefined) ?? []).filter((f) => f !== fingerprint);
    if (list.length) s.put(list, key);
    else s.delete(key);
  }
  s.delete(RECORD_KEYS.key(fingerprint));
  s.delete(RECORD_KEYS.entry(fingerprint));
  const record = (await requestDone(s.get(RECORD_KEYS.bindings))) as BindingsRecord | undefined;
  if (record && Object.values(record.bindings).includes(fingerprint)) {
    const bindings = Object.fromEntries(Object.entries(record.bindings).filter(([, f]) => f !== fingerprint));
    s.put({ v: SCHEMA_VERSION, bindings }, RECORD_KEYS.bindings);
  }
}
