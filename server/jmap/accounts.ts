import { randomBytes, scryptSync } from 'node:crypto';
import type { Db } from './db';
import { newId, nowIso, sha256Hex } from './ids';

export type AccountRow = { id: string; username: string; name: string; password_hash: string; may_send: number };

const DEFAULT_MAILBOXES: [name: string, role: string | null, sort: number][] = [
  ['Inbox', 'inbox', 1],
  ['Drafts', 'drafts', 2],
  ['Sent', 'sent', 3],
  ['Trash', 'trash', 4],
];

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export type NewAccount = {
  username: string;
  name: string;
  password: string;
  aliases?: { email: string; name: string }[];
  maySend?: boolean;
};

/** An account with its primary identity, aliases as further identities, and the standard mailboxes. */
export function createAccount(db: Db, input: NewAccount): AccountRow {
  const id = newId('A');
  db.transaction(() => {
    db.prepare(
      'INSERT INTO accounts (id, username, name, password_hash, may_send, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(id, input.username, input.name, hashPassword(input.password), input.maySend === false ? 0 : 1, nowIso());
    const addIdentity = db.prepare(
      'INSERT INTO identities (id, account_id, name, email, may_delete) VALUES (?, ?, ?, ?, ?)',
    );
    addIdentity.run(newId('I'), id, input.name, input.username, 0);
    for (const alias of input.aliases ?? []) addIdentity.run(newId('I'), id, alias.name, alias.email, 1);
    const addMailbox = db.prepare(
      'INSERT INTO mailboxes (id, account_id, name, role, sort_order) VALUES (?, ?, ?, ?, ?)',
    );
    for (const [name, role, sort] of DEFAULT_MAILBOXES) addMailbox.run(newId('B'), id, name, role, sort);
  })();
  return findAccountByUsername(db, input.username)!;
}

export const findAccountByUsername = (db: Db, username: string): AccountRow | undefined =>
  db.prepare('SELECT * FROM accounts WHERE username = ?').get(username) as AccountRow | undefined;

/** A new bearer token for the account; only its hash is stored. */
export function createApiToken(db: Db, accountId: string): string {
  const token = randomBytes(24).toString('base64url');
  db.prepare('INSERT INTO api_tokens (token_sha256, account_id, created_at) VALUES (?, ?, ?)').run(
    sha256Hex(token),
    accountId,
    nowIso(),
  );
  return token;
}

export function authenticateBearer(db: Db, token: string): AccountRow | undefined {
  return db
    .prepare('SELECT a.* FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_sha256 = ?')
    .get(sha256Hex(token)) as AccountRow | undefined;
}

/** The account that receives mail for an address, through any of its identities. */
export const findAccountForAddress = (db: Db, address: string): AccountRow | undefined =>
  db.prepare('SELECT a.* FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.email = ?').get(address) as
    AccountRow | undefined;

/** Domains this server receives mail for: those of its identities. */
export function localDomains(db: Db): Set<string> {
  const rows = db
    .prepare("SELECT DISTINCT lower(substr(email, instr(email, '@') + 1)) AS domain FROM identities")
    .all() as {
    domain: string;
  }[];
  return new Set(rows.map((r) => r.domain));
}

export type DemoAccount = { username: string; password: string; name: string; aliases: string[]; maySend: boolean };

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    username: 'alice@example.test',
    password: 'alice-pass',
    name: 'Alice Demo',
    aliases: ['alice.alias@example.test'],
    maySend: true,
  },
  { username: 'bob@example.test', password: 'bob-pass', name: 'Bob Demo', aliases: [], maySend: true },
  { username: 'carol@example.test', password: 'carol-pass', name: 'Carol Demo', aliases: [], maySend: true },
  // Sending suspended: shows how the app reports forbiddenToSend.
  {
    username: 'dave@example.test',
    password: 'dave-pass',
    name: 'Dave Demo (sending suspended)',
    aliases: [],
    maySend: false,
  },
];

/** Create the demo accounts that do not exist yet; returns those created. */
export function seedDemoAccounts(db: Db): DemoAccount[] {
  const created: DemoAccount[] = [];
  for (const demo of DEMO_ACCOUNTS) {
    if (findAccountByUsername(db, demo.username)) continue;
    createAccount(db, {
      username: demo.username,
      name: demo.name,
      password: demo.password,
      maySend: demo.maySend,
      aliases: demo.aliases.map((email) => ({ email, name: `${demo.name} (alias)` })),
    });
    created.push(demo);
  }
  return created;
}
