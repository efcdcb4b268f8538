import { AppError, type ErrorCode, toAppError } from '../errors/app-error';

/**
 * Structured clone drops Error subclasses and their fields, so results cross the worker
 * boundary as envelopes: either the value, or the error's code, message and detail.
 */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string; detail?: string } };

export type EnvelopeApi<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<Envelope<R>> : never };

export function toEnvelopeApi<T extends object>(api: T): EnvelopeApi<T> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(api as Record<string, unknown>) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    out[name] = async (...args: unknown[]) => {
      try {
        return { ok: true, value: await fn(...args) };
      } catch (e) {
        const error = toAppError(e);
        return { ok: false, error: { code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) } };
      }
    };
  }
  return out as EnvelopeApi<T>;
}

export function fromEnvelopeApi<T extends object>(remote: EnvelopeApi<T>, names: (keyof T)[]): T {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    out[name as string] = async (...args: unknown[]) => {
      const envelope = (await (remote[name] as (...a: unknown[]) => Promise<Envelope<unknown>>)(...args)) as Envelope<unknown>;
      if (envelope.ok) return envelope.value;
      throw new AppError(envelope.error.code, envelope.error.message, envelope.error.detail ? { detail: envelope.error.detail } : undefined);
    };
  }
  return out as T;
}
