import { describe, expect, it } from 'vitest';
import { isAppError } from './errors/app-error';
import { userMessage } from './errors/user-messages';
import { loadCode, loadOnce } from './load-once';

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

describe('loadCode', () => {
  it('reports a failed download of app code as such, and tries again on the next call', async () => {
    let fail = true;
    const get = loadCode(async () => {
      if (fail) throw new TypeError('Failed to fetch dynamically imported module: /assets/run-send-x.js');
      return 'module';
    });
    const failure = await Promise.resolve(get()).catch((e: unknown) => e);
    expect(isAppError(failure, 'app/code-unavailable')).toBe(true);
    expect(userMessage(failure)).toMatch(/could not be loaded from the server/);
    fail = false;
    await expect(get()).resolves.toBe('module');
  });
});
