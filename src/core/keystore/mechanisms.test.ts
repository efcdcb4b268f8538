import 'fake-indexeddb/auto';
import { createStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { createAddressIndex } from './address-index';
import { createPinWriter } from './pin-writes';
import { createBatchedReader, LIST_FIRST } from './read-batch';
import { RECORD_KEYS, type PinRecord } from './records';
import { createStoreAccess, type UseStore } from './store-access';

let db = 0;
const freshStore = () => createStore(`mechanism-test-${++db}`, 'records') as unknown as UseStore;
const pin = (address: string, fingerprint: string) => ({ v: 1, address, fingerprint }) as unknown as PinRecord;

describe('address index', () => {
  it('answers from memory once read, and "unknown" after an invalidation until read again', async () => {
    let keys: IDBValidKey[] = ['addr/bob@example.test', 'pin/carol@example.test'];
    let reads = 0;
    const index = createAddressIndex(async () => (reads++, keys));
    expect(index.mayHold('bob@example.test')).toBeUndefined(); // starts a read
    await index.load();
    expect([
      index.mayHold('BOB@example.test'),
      index.mayHold('carol@example.test'),
      index.mayHold('dave@example.test'),
    ]).toEqual([true, true, false]);
    keys = [...keys, 'addr/dave@example.test'];
    index.invalidate();
    expect(index.mayHold('dave@example.test')).toBeUndefined();
    await index.load();
    expect(index.mayHold('dave@example.test')).toBe(true);
    expect(reads).toBe(2); // load() joins the read that mayHold() started
  });

  it('a pin added while a read is under way makes that read untrusted', async () => {
    let release!: (keys: IDBValidKey[]) => void;
    const index = createAddressIndex(() => new Promise((ok) => (release = ok)));
    const loading = index.load();
    index.add('erin@example.test');
    release([]);
    await loading;
    expect(index.mayHold('erin@example.test')).toBeUndefined();
  });
});

describe('pin writer', () => {
  it('writes pins recorded before the scheduled write in one go; the last pin for an address wins; waiting pins are readable', async () => {
    const writes: Map<string, PinRecord>[] = [];
    let go!: () => void;
    const writer = createPinWriter({
      schedule: (write) => (go = write),
      write: async (pins) => void writes.push(new Map(pins)),
    });
    const first = writer.record(pin('a@x.test', 'A1'));
    const second = writer.record(pin('b@x.test', 'B'));
    writer.record(pin('a@x.test', 'A2'));
    expect(writer.waiting('a@x.test')?.fingerprint).toBe('A2');
    go();
    await Promise.all([first, second]);
    expect(writes).toHaveLength(1);
    expect([...writes[0]!.values()].map((p) => p.fingerprint)).toEqual(['A2', 'B']);
    expect(writer.waiting('a@x.test')).toBeUndefined();
  });
});

describe('batched reads', () => {
  it('reads asked for in one turn share one transaction, and many reads that may find nothing list keys first', async () => {
    const store = freshStore();
    const access = createStoreAccess({ store });
    await access.write((s) => void s.put(['F1'], RECORD_KEYS.address('bob@example.test')), 'seed');
    let transactions = 0;
    const counting: UseStore = (mode, callback) => (transactions++, store(mode, callback));
    const read = createBatchedReader({ store: counting, open: access.open });
    let callbacksRun = 0;
    const lookUp = (address: string) =>
      read(
        async (s) => {
          callbacksRun++;
          return new Promise<string[]>((ok) => {
            const r = s.get(RECORD_KEYS.address(address));
            r.onsuccess = () => ok((r.result as string[] | undefined) ?? []);
          });
        },
        `read ${address}`,
        { key: RECORD_KEYS.address(address), value: [] },
      );
    const addresses = ['bob@example.test', ...Array.from({ length: LIST_FIRST + 2 }, (_, i) => `new${i}@example.test`)];
    const results = await Promise.all(addresses.map(lookUp));
    expect(results[0]).toEqual(['F1']);
    expect(results.slice(1).every((r) => r.length === 0)).toBe(true);
    expect(transactions).toBe(1);
    expect(callbacksRun).toBe(1); // only the address that is stored was read
  });

  it('a failed read rejects with an AppError naming what was being read', async () => {
    const store = freshStore();
    const access = createStoreAccess({ store });
    const read = createBatchedReader({ store, open: access.open });
    await expect(read(async () => Promise.reject(new Error('disk gone')), 'Reading a key')).rejects.toMatchObject({
      code: 'keystore/unavailable',
      message: 'Reading a key: disk gone',
    });
  });
});
