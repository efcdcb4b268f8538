import { transfer } from 'comlink';
import { AppError, type ErrorCode, type ErrorFacts, toAppError } from '../errors/app-error';
import type { ArgTransfers, Method, Transfers } from './api-shape';

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
