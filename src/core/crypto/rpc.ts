import { transfer } from 'comlink';
import { AppError, type ErrorCode, type ErrorFacts, toAppError } from '../errors/app-error';

/**
 * Structured clone drops Error subclasses and their fields, so results cross the worker
 * boundary as envelopes: either the value, or the error's code, message and detail.
 */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

type SerializedError = { code: ErrorCode; message: string; detail?: string } & ErrorFacts;

function serializeError(e: unknown): SerializedError {
  const { code, message, detail, httpStatus, jmapErrorType } = toAppError(e);
  return {
    code,
    message,
    ...(detail ? { detail } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(jmapErrorType ? { jmapErrorType } : {}),
  };
}

const deserializeError = ({ code, message, ...rest }: SerializedError): AppError => new AppError(code, message, rest);

export type EnvelopeApi<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<Envelope<R>> : never;
};

type Method = (...args: never[]) => Promise<unknown>;
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

export function toEnvelopeApi<T extends object>(api: T, transfers: Transfers<T> = {}): EnvelopeApi<T> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(api as Record<string, Method>)) {
    const moved = (transfers as Record<string, ((value: unknown) => ArrayBuffer[]) | undefined>)[name];
    out[name] = async (...args: never[]) => {
      try {
        const value = await fn(...args);
        const envelope = { ok: true, value };
        return moved ? transfer(envelope, moved(value)) : envelope;
      } catch (e) {
        return { ok: false, error: serializeError(e) };
      }
    };
  }
  return out as EnvelopeApi<T>;
}

export function fromEnvelopeApi<T extends object>(
  remote: EnvelopeApi<T>,
  names: (keyof T)[],
  transfers: ArgTransfers<T> = {},
): T {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const moved = (transfers as Record<string, ((...args: unknown[]) => ArrayBuffer[]) | undefined>)[name as string];
    out[name as string] = async (...args: unknown[]) => {
      // Comlink looks up transfer lists per argument: the first argument carries them all.
      const sent = moved && args.length ? [transfer(args[0], moved(...args)), ...args.slice(1)] : args;
      const envelope = (await (remote[name] as (...a: unknown[]) => Promise<Envelope<unknown>>)(
        ...sent,
      )) as Envelope<unknown>;
      if (envelope.ok) return envelope.value;
      throw deserializeError(envelope.error);
    };
  }
  return out as T;
}
