import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameScheduler } from './frame-scheduler';

describe('frame scheduler', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('runs everything queued before the frame together, once, at the frame', () => {
    vi.useFakeTimers();
    const frames: (() => void)[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => undefined);
    const schedule = createFrameScheduler();
    const ran: number[] = [];
    schedule(() => ran.push(1));
    schedule(() => ran.push(2));
    expect(frames).toHaveLength(1); // one frame asked for, however many callbacks
    expect(ran).toEqual([]);
    frames[0]!();
    expect(ran).toEqual([1, 2]);
    vi.runAllTimers(); // the fallback timer finds nothing left to run
    expect(ran).toEqual([1, 2]);
    schedule(() => ran.push(3));
    expect(frames).toHaveLength(2);
  });

  it('runs them after the fallback delay when no frame comes (a hidden tab)', () => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', () => 1);
    vi.stubGlobal('cancelAnimationFrame', () => undefined);
    const schedule = createFrameScheduler({ fallbackMs: 50 });
    const ran: string[] = [];
    schedule(() => ran.push('a'));
    vi.advanceTimersByTime(49);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['a']);
  });
});
