/**
 * A scheduler that runs everything queued before the next frame in one task. TanStack Query
 * otherwise notifies each settled query in a task of its own (setTimeout 0), and React renders
 * once per task: twenty recipients' keys arriving together cost twenty renders and frames instead
 * of a few. A timer stands in for the frame when none comes (a hidden tab paints no frames).
 */
export function createFrameScheduler(options: { fallbackMs?: number } = {}): (callback: () => void) => void {
  const fallbackMs = options.fallbackMs ?? 50;
  let queue: (() => void)[] = [];
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    const callbacks = queue;
    queue = [];
    for (const callback of callbacks) callback();
  };
  return (callback) => {
    queue.push(callback);
    if (queue.length > 1) return;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, fallbackMs);
  };
}
