/**
 * At most `max` JMAP requests (or uploads) at once for one account, as its session advertises
 * (RFC 8620 §2: maxConcurrentRequests, maxConcurrentUpload). In a browser the slots are Web Locks,
 * so every tab of this origin (and the push stream) shares them; elsewhere a counter does.
 */
export type Slots = <T>(run: () => Promise<T>) => Promise<T>;

type LockManager = {
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
  request<T>(name: string, callback: (lock: unknown) => Promise<T>): Promise<T>;
};

export function createSlots(options: { max: number; name: string; locks?: LockManager | null }): Slots {
  const max = Math.max(1, Math.floor(options.max));
  const locks =
    options.locks === undefined
      ? ((globalThis.navigator as { locks?: LockManager } | undefined)?.locks ?? null)
      : options.locks;
  return locks ? webLockSlots(locks, max, options.name) : counterSlots(max);
}

/** At most `max` tasks at once in this process; the rest wait their turn, in order. */
export function counterSlots(max: number): Slots {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (active >= max) await new Promise<void>((ok) => waiting.push(ok));
    active++;
    try {
      return await run();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function webLockSlots(locks: LockManager, max: number, name: string): Slots {
  const slot = (i: number) => `${name}/${i}`;
  let next = 0;
  return async <T>(run: () => Promise<T>): Promise<T> => {
    for (;;) {
      // Take any free slot at once; if none is free, wait for one (taking turns), then try again.
      for (let i = 0; i < max; i++) {
        const taken = await locks.request(slot(i), { ifAvailable: true }, async (lock) =>
          lock ? { value: await run() } : null,
        );
        if (taken) return taken.value;
      }
      await locks.request(slot(next++ % max), async () => undefined);
    }
  };
}
