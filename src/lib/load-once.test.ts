import { describe, expect, it } from 'vitest';
import { loadOnce } from './load-once';

describe('loadOnce', () => {
  it('loads once, then answers with the value itself; a failed load is tried again', async () => {
    let calls = 0;
    let fail = true;
    const get = loadOnce(async () => {
      calls++;
      if (fail) throw new Error('offline');
      return { ready: true };
    });
    await expect(get()).rejects.toThrow('offline');
    fail = false;
    const first = get();
    expect(first).toBeInstanceOf(Promise);
    const value = await first;
    expect(get()).toBe(value); // no promise any more: no task to wait for
    expect(calls).toBe(2);
  });
});
