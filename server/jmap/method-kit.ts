import type { AccountRow } from './accounts';
import type { Db } from './db';
import type { ServerLimits } from './limits';

export type Args = Record<string, unknown>;
export type Invocation = [string, Args, string];

/** A method-level error (RFC 8620 §3.6.2): answered as ["error", {type, ...}, callId]. */
export class MethodError extends Error {
  constructor(
    readonly type: string,
    readonly description?: string,
    readonly extra: Args = {},
  ) {
    super(description ?? type);
  }
  toArgs(): Args {
    return { type: this.type, ...(this.description ? { description: this.description } : {}), ...this.extra };
  }
}

export type MethodContext = {
  db: Db;
  account: AccountRow;
  limits: ServerLimits;
  /** Creation id → server id, for the whole request (RFC 8620 §3.3 createdIds). */
  createdIds: Map<string, string>;
};

/** A handler returns its own response and any implicit ones (e.g. Email/set after EmailSubmission/set). */
export type MethodHandler = (args: Args, ctx: MethodContext) => Promise<[string, Args][]> | [string, Args][];

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function requireAccount(args: Args, ctx: MethodContext): void {
  if (typeof args.accountId !== 'string') throw new MethodError('invalidArguments', 'accountId must be a string');
  if (args.accountId !== ctx.account.id) throw new MethodError('accountNotFound');
}

/** Resolve `#id` creation references (RFC 8620 §5.3) against ids created earlier in the request. */
export function resolveCreationRef(value: string, ctx: MethodContext): string | undefined {
  if (!value.startsWith('#')) return value;
  return ctx.createdIds.get(value.slice(1));
}

/** Evaluate a JSON Pointer with JMAP's `*` extension (RFC 8620 §3.7). */
export function evaluatePointer(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (!path.startsWith('/')) throw new MethodError('invalidResultReference', `Bad path ${path}`);
  const tokens = path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const walk = (current: unknown, i: number): unknown => {
    if (i === tokens.length) return current;
    const token = tokens[i]!;
    if (Array.isArray(current)) {
      if (token === '*') {
        return current.flatMap((item) => {
          const r = walk(item, i + 1);
          return Array.isArray(r) ? r : [r];
        });
      }
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= current.length) {
        throw new MethodError('invalidResultReference', `No index ${token} in ${path}`);
      }
      return walk(current[Number(token)], i + 1);
    }
    if (isRecord(current) && Object.hasOwn(current, token)) return walk(current[token], i + 1);
    throw new MethodError('invalidResultReference', `Path ${path} not found`);
  };
  return walk(value, 0);
}

/** Replace `#arg` result references with the referenced values (RFC 8620 §3.7). */
export function resolveResultReferences(args: Args, previous: Invocation[]): Args {
  const out: Args = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      out[key] = value;
      continue;
    }
    const name = key.slice(1);
    if (Object.hasOwn(args, name)) throw new MethodError('invalidArguments', `Both ${name} and #${name} given`);
    if (
      !isRecord(value) ||
      typeof value.resultOf !== 'string' ||
      typeof value.name !== 'string' ||
      typeof value.path !== 'string'
    ) {
      throw new MethodError('invalidResultReference', `#${name} is not a ResultReference`);
    }
    const source = previous.find(([respName, , id]) => id === value.resultOf && respName === value.name);
    if (!source)
      throw new MethodError('invalidResultReference', `No ${value.name} response with call id ${value.resultOf}`);
    out[name] = evaluatePointer(source[1], value.path);
  }
  return out;
}

/** The shared part of every /get (RFC 8620 §5.1): ids, properties, limits, notFound. */
export function standardGet<T extends { id: string }>(
  args: Args,
  ctx: MethodContext,
  options: {
    all: () => T[];
    byIds: (ids: string[]) => T[];
    properties: readonly string[];
    defaultProperties?: readonly string[];
  },
): { list: Partial<T>[]; notFound: string[] } {
  requireAccount(args, ctx);
  const { ids, properties } = args;
  if (ids !== null && ids !== undefined && !(Array.isArray(ids) && ids.every((i) => typeof i === 'string'))) {
    throw new MethodError('invalidArguments', 'ids must be null or an array of strings');
  }
  if (Array.isArray(ids) && ids.length > ctx.limits.maxObjectsInGet) throw new MethodError('requestTooLarge');
  let wanted: readonly string[] = options.defaultProperties ?? options.properties;
  if (properties !== null && properties !== undefined) {
    if (!Array.isArray(properties) || !properties.every((p) => typeof p === 'string')) {
      throw new MethodError('invalidArguments', 'properties must be null or an array of strings');
    }
    const unknown = properties.filter((p) => !options.properties.includes(p));
    if (unknown.length) throw new MethodError('invalidArguments', `Unsupported properties: ${unknown.join(', ')}`);
    wanted = properties as string[];
  }
  const resolvedIds = Array.isArray(ids)
    ? [...new Set(ids.map((i) => (i.startsWith('#') ? (ctx.createdIds.get(i.slice(1)) ?? i) : i)))]
    : null;
  const found = resolvedIds ? options.byIds(resolvedIds) : options.all().slice(0, ctx.limits.maxObjectsInGet);
  const foundIds = new Set(found.map((o) => o.id));
  const pick = (o: T): Partial<T> => {
    const r: Record<string, unknown> = { id: o.id };
    for (const p of wanted) r[p] = (o as Record<string, unknown>)[p];
    return r as Partial<T>;
  };
  return { list: found.map(pick), notFound: resolvedIds ? resolvedIds.filter((i) => !foundIds.has(i)) : [] };
}
