import type { Db } from './db';

export type StateType = 'Email' | 'Mailbox' | 'Thread' | 'Identity' | 'EmailSubmission';

export function getState(db: Db, accountId: string, type: StateType): string {
  const row = db.prepare('SELECT value FROM states WHERE account_id = ? AND type = ?').get(accountId, type) as
    { value: number } | undefined;
  return String(row?.value ?? 0);
}

export const STATE_TYPES: readonly StateType[] = ['Email', 'Mailbox', 'Thread', 'Identity', 'EmailSubmission'];

type Listener = (accountId: string) => void;
const listeners = new WeakMap<Db, Set<Listener>>();
const scheduled = new WeakMap<Db, Set<string>>();

/**
 * Called once per account whose state advanced, after the change (a transaction under way has
 * committed by then: better-sqlite3 runs it synchronously). Returns the unsubscribe function.
 */
export function onStateChange(db: Db, listener: Listener): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

function announce(db: Db, accountId: string): void {
  if (!listeners.get(db)?.size) return;
  let pending = scheduled.get(db);
  if (!pending) scheduled.set(db, (pending = new Set()));
  if (pending.has(accountId)) return;
  pending.add(accountId);
  setImmediate(() => {
    pending.delete(accountId);
    for (const listener of listeners.get(db) ?? []) listener(accountId);
  });
}

/** Advance the state string of a data type after a change (RFC 8620 §1.6.4 "state"). */
export function bumpState(db: Db, accountId: string, ...types: StateType[]): void {
  const stmt = db.prepare(
    'INSERT INTO states (account_id, type, value) VALUES (?, ?, 1) ON CONFLICT (account_id, type) DO UPDATE SET value = value + 1',
  );
  for (const type of types) stmt.run(accountId, type);
  if (types.length) announce(db, accountId);
}
