import { AppError } from './errors/app-error';

/**
 * `load()` run once, for code split off the start-up bundle. Once loaded, the value comes back
 * directly: awaiting a dynamic import() of a module that is already there still waits for a task,
 * which twenty look-ups started together would pay in turn.
 */
export function loadOnce<T>(load: () => Promise<T>): () => T | Promise<T> {
  let value: { loaded: T } | undefined;
  let pending: Promise<T> | undefined;
  return () =>
    value
      ? value.loaded
      : (pending ??= load().then(
          (loaded) => ((value = { loaded }), loaded),
          (e: unknown) => {
            pending = undefined; // a failed download may succeed next time
            throw e;
          },
        ));
}

/**
 * Call `apply` with the value of a loadOnce() getter in this turn when it is already here (a message
 * posted or a request batched before the page renders), else once it arrives.
 */
export const whenLoaded = <T, R>(value: T | Promise<T>, apply: (loaded: T) => Promise<R>): Promise<R> =>
  value instanceof Promise ? value.then(apply) : apply(value);

/** What the user reads when a piece of the app's code cannot be downloaded (error `app/code-unavailable`). */
export const CODE_UNAVAILABLE_MESSAGE =
  'Part of the app could not be loaded from the server (the connection failed, or the app was updated). Check the connection and try again, or reload the page.';

/** loadOnce for a piece of the app's own code (a dynamic import): a failed download says what failed. */
export const loadCode = <T>(load: () => Promise<T>): (() => T | Promise<T>) =>
  loadOnce(() =>
    load().catch((cause: unknown) => {
      throw new AppError('app/code-unavailable', 'A module of the app failed to load', { cause });
    }),
  );
