import type { Db } from './db';

export type StateType = 'Email' | 'Mailbox' | 'Thread' | 'Identity' | 'EmailSubmission';

export function getState(db: Db, accountId: string, type: StateType): string {
  const row = db.prepare('SELECT value FROM states WHERE account_id = ? AND type = ?').get(accountId, type) as
    { value: number } | undefined;
  return String(row?.value ?? 0);
}

/** Advance the state string of a data type after a change (RFC 8620 §1.6.4 "state"). */
export function bumpState(db: Db, accountId: string, ...types: StateType[]): void {
  const stmt = db.prepare(
    'INSERT INTO states (account_id, type, value) VALUES (?, ?, 1) ON CONFLICT (account_id, type) DO UPDATE SET value = value + 1',
  );
  for (const type of types) stmt.run(accountId, type);
}
