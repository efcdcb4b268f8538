import { normalizeAddress } from './records';

/**
 * Which addresses have a stored, pinned or Autocrypt key, in memory, for starting work early. Changes that
 * may add one bump the generation; an index read at an older generation is not trusted until read
 * again, so the answer is "unknown" rather than wrong.
 */
export function createAddressIndex(listKeys: () => Promise<IDBValidKey[]>) {
  let index: { addresses: Set<string>; generation: number } | null = null;
  let generation = 0;
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    if (loading) return loading;
    const at = generation;
    loading = listKeys()
      .then((keys) => {
        // Keys are `addr/<address>`, `pin/<address>` and `ac/<address>`.
        const address = (key: IDBValidKey) => String(key).slice(String(key).indexOf('/') + 1);
        index = { addresses: new Set(keys.map(address)), generation: at };
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  return {
    load,

    /** True or false from memory, or undefined while that is not known (then a read is started). */
    mayHold(address: string): boolean | undefined {
      if (!index || index.generation !== generation) {
        if (!loading) void load().catch(() => undefined);
        return undefined;
      }
      return index.addresses.has(normalizeAddress(address));
    },

    /** Something may have been stored (a key here, or anything in another tab): read again before trusting. */
    invalidate() {
      generation++;
    },

    /** A pin is being recorded for `address` (already normalized). */
    add(address: string) {
      index?.addresses.add(address);
      if (loading) generation++; // the read under way may miss it
    },
  };
}
