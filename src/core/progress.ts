import { formatBytes } from './jmap/client';

/** How far `done` of `total` is, in whole percent (0–100): progress is shown and reported by it. */
export const wholePercent = (done: number, total: number): number =>
  Math.floor((100 * Math.min(done, total)) / Math.max(total, 1));

/** What a long transfer has done so far: `Uploading… 45% of 47.0 MiB`. */
export const progressText = (doing: string, done: number, total: number): string =>
  `${doing}… ${wholePercent(done, total)}% of ${formatBytes(total)}`;
