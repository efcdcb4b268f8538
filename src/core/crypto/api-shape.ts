/** What the page and the worker agree on about a worker API, without the messaging code (comlink) that carries it. */

export type Method = (...args: never[]) => Promise<unknown>;
type ResultOf<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;
type ArgsOf<F> = F extends (...args: infer A) => Promise<unknown> ? A : never;

/** Large byte arrays are moved, not copied, across the boundary: the sender must not use them again. */
export type Transfers<T> = { [K in keyof T]?: (value: ResultOf<T[K]>) => ArrayBuffer[] };
export type ArgTransfers<T> = { [K in keyof T]?: (...args: ArgsOf<T[K]>) => ArrayBuffer[] };

/**
 * The method names of an API, written as an object so that the compiler rejects a missing or an
 * unknown name: a method left out of the list would otherwise fail only when called through the worker.
 */
export const methodNames = <T extends object>(names: { [K in keyof T]-?: true }): (keyof T)[] =>
  Object.keys(names) as (keyof T)[];

export const distinctBuffers = (views: ArrayBufferView[]): ArrayBuffer[] => [
  ...new Set(views.map((v) => v.buffer as ArrayBuffer)),
];
