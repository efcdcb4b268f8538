import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { createJmapClient, type JmapClient } from '../src/core/jmap/client';
import { loadAccountSetup } from '../src/core/jmap/account-setup';
import { listMailbox, type SentEmail } from '../src/core/jmap/mail';
import { discoverSession } from '../src/core/jmap/session';

export type Account = { server: string; username: string; password: string };

export const embedded = (baseURL: string, user: 'alice' | 'bob' | 'carol' | 'dave'): Account => ({
  server: new URL('/.well-known/jmap', baseURL).href,
  username: `${user}@example.test`,
  password: `${user}-pass`,
});

/** Real Cyrus IMAP 3.6 JMAP, reached cross-origin through the nginx front that answers CORS preflights. */
export const cyrus = (user: 'alice' | 'bob' | 'carol'): Account => ({
  server: `http://127.0.0.1:${Number(process.env.CYRUS_CORS_PORT ?? 28082)}/.well-known/jmap`,
  username: `${user}@example.org`,
  password: `${user}-pass`,
});

/** Subjects made unique per test run, so tests can share mailboxes. */
export const uniqueSubject = (text: string) => `${text} #${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

export class SignInPage {
  constructor(readonly page: Page) {}
  readonly server = () => this.page.getByLabel('Server', { exact: true });
  readonly username = () => this.page.getByLabel('Username', { exact: true });
  readonly password = () => this.page.getByLabel('Password', { exact: true });
  readonly submit = () => this.page.getByRole('button', { name: 'Sign in', exact: true });

  async signIn(account?: Partial<Account>) {
    await this.page.goto('/');
    await expect(this.submit()).toBeVisible();
    if (account?.server !== undefined) await this.server().fill(account.server);
    if (account?.username !== undefined) await this.username().fill(account.username);
    if (account?.password !== undefined) await this.password().fill(account.password);
    await this.submit().click();
  }
}

export class ComposerPage {
  constructor(readonly page: Page) {}
  field = (name: 'To' | 'Cc' | 'Bcc' | 'Subject' | 'Message' | 'From') => this.page.getByLabel(name, { exact: true });
  chip = (address: string): Locator => this.page.locator(`[data-recipient="${address.toLowerCase()}"]`);
  readonly send = () => this.page.getByRole('button', { name: 'Send', exact: true });
  readonly status = () => this.page.getByRole('status').filter({ hasText: 'Sent' });
  readonly alert = () => this.page.getByRole('alert');

  async addRecipients(field: 'To' | 'Cc' | 'Bcc', text: string) {
    await this.field(field).fill(text);
    await this.field(field).press('Enter');
  }

  async attach(name: string, content: string | Buffer, mimeType = 'text/plain') {
    await this.page
      .getByLabel('Attach files', { exact: true })
      .setInputFiles({ name, mimeType, buffer: Buffer.from(content) });
  }

  /** Attach a file of `size` bytes made in the page: handing large files through the driver is slow. */
  async attachMade(name: string, size: number) {
    await this.page.getByLabel('Attach files', { exact: true }).evaluate(
      (input: HTMLInputElement, { name, size }) => {
        const files = new DataTransfer();
        files.items.add(new File([new Uint8Array(size).fill(0x5a)], name, { type: 'application/octet-stream' }));
        input.files = files.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      },
      { name, size },
    );
    await expect(this.page.getByRole('list', { name: 'Attachments' })).toContainText(name);
  }
}

export type MailboxReader = {
  client: JmapClient;
  /** Waits until a message with this subject is in the mailbox with `role`. */
  waitFor(subject: string, role?: string): Promise<SentEmail>;
  list(role?: string): Promise<SentEmail[]>;
  raw(email: SentEmail): Promise<string>;
};

/** Reads a real mailbox through our JMAP client, to check what arrived. */
export async function readMailbox(account: Account): Promise<MailboxReader> {
  const auth = { kind: 'basic' as const, username: account.username, password: account.password };
  const session = await discoverSession({ serverUrl: account.server, auth, fetch });
  const client = createJmapClient({ session, auth, fetch });
  const { mailboxes } = await loadAccountSetup(client);
  const list = async (role = 'inbox') => {
    const box = mailboxes.all.find((m) => m.role === role);
    if (!box) throw new Error(`No ${role} mailbox for ${account.username}`);
    return (await listMailbox(client, { mailboxId: box.id, limit: 200 })).emails;
  };
  return {
    client,
    list,
    async waitFor(subject, role = 'inbox') {
      let found: SentEmail | undefined;
      await expect
        .poll(async () => (found = (await list(role)).find((e) => e.subject === subject)), {
          timeout: 15_000,
          message: `"${subject}" in ${account.username}'s ${role}`,
        })
        .toBeTruthy();
      return found!;
    },
    async raw(email) {
      return new TextDecoder().decode(
        await client.download({ blobId: email.blobId, name: 'message.eml', type: 'message/rfc822' }),
      );
    },
  };
}

export const test = base.extend<{ signInPage: SignInPage; composer: ComposerPage }>({
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  composer: async ({ page }, use) => use(new ComposerPage(page)),
});
export { expect };

/** The part of a raw message before the first blank line. */
export const headersOf = (raw: string) => raw.slice(0, raw.search(/\r?\n\r?\n/));

/** Every value in every IndexedDB database of the page, as JSON (sealed ArrayBuffers decoded as latin1). */
export async function dumpIndexedDb(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((ok) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => ok(r.result);
        });
        for (const v of values) {
          out.push(JSON.stringify(v));
          const sealed = (v as { sealed?: ArrayBuffer } | null)?.sealed;
          if (sealed) out.push(JSON.stringify(new TextDecoder('latin1').decode(sealed)));
        }
      }
      db.close();
    }
    return `[${out.join(',')}]`;
  });
}

/** The armored public key the page stores for `fingerprint` (read back from IndexedDB). */
export async function storedPublicKey(page: Page, fingerprint: string): Promise<string> {
  const dump = JSON.parse(await dumpIndexedDb(page)) as unknown[];
  const record = dump.find(
    (r): r is { fingerprint: string; armoredPublic: string } =>
      typeof r === 'object' &&
      r !== null &&
      (r as { fingerprint?: string }).fingerprint === fingerprint &&
      'armoredPublic' in r,
  );
  if (!record) throw new Error(`No stored key ${fingerprint}`);
  return record.armoredPublic;
}

/** On the Keys view: generate a key for `email` (default algorithm) and bind it to that address. */
export async function generateAndBindKey(page: Page, options: { email: string; passphrase: string; name?: string }) {
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page.getByRole('button', { name: 'Generate key', exact: true }).click();
  if (options.name) await page.getByLabel('Name', { exact: true }).fill(options.name);
  await page.getByLabel('Email', { exact: true }).fill(options.email);
  await page.getByLabel('Passphrase', { exact: true }).fill(options.passphrase);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('button', { name: 'Done', exact: true }).click();
  await page.getByRole('switch', { name: `Use key for ${options.email}`, exact: true }).check();
}

/** On the Keys view: paste an armored key, import it, and wait until the keystore holds `count` keys. */
export async function importKeyText(page: Page, armored: string, count: number) {
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page.getByLabel('Key', { exact: true }).fill(armored);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', String(count));
}

/**
 * Record every request the page makes, bodies included, across reloads. Playwright does not see
 * Blob bodies (uploads), so fetch and XMLHttpRequest bodies (large uploads, for their progress)
 * are also handed out of the page before each request goes.
 */
export async function recordTraffic(page: Page): Promise<() => { all: string; bodies: string[] }> {
  const requests: string[] = [];
  const bodies: string[] = [];
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()}\n${r.postDataBuffer()?.toString('latin1') ?? ''}`));
  await page.exposeFunction('__recordBody', (entry: string) => void bodies.push(entry));
  await page.addInitScript(`(() => {
    const textOf = async (body) => {
      if (typeof body === 'string') return body;
      if (body instanceof Blob) return new TextDecoder('latin1').decode(await body.arrayBuffer());
      if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new TextDecoder('latin1').decode(body);
      return '';
    };
    const original = window.fetch;
    window.fetch = async function (input, init) {
      const text = await textOf(init && init.body);
      await window.__recordBody(String(input instanceof Request ? input.url : input) + '\\n' + text);
      return original.call(this, input, init);
    };
    const open = XMLHttpRequest.prototype.open;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function (method, url, ...rest) {
      this.__recordedUrl = String(url);
      return open.call(this, method, url, ...rest);
    };
    XMLHttpRequest.prototype.send = function (body) {
      const xhr = this;
      void textOf(body)
        .then((text) => window.__recordBody(xhr.__recordedUrl + '\\n' + text))
        .then(() => send.call(xhr, body));
    };
  })()`);
  return () => ({ all: [...requests, ...bodies].join('\n'), bodies: [...bodies] });
}

/**
 * A slower link for this page and its workers (Chromium's network emulation): bytes per second up
 * and down, -1 for no limit. Call again to change it.
 */
export async function throttle(page: Page): Promise<(rates: { upload?: number; download?: number }) => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  return async ({ upload = -1, download = -1 }) => {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: download,
      uploadThroughput: upload,
    });
  };
}

/** Put a raw message straight into an account's Inbox (JMAP upload + Email/import), as if delivered. */
export async function deliverRaw(account: Account, raw: string | Uint8Array): Promise<string> {
  const box = await readMailbox(account);
  const { mailboxes } = await loadAccountSetup(box.client);
  const inbox = mailboxes.all.find((m) => m.role === 'inbox')!;
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
  const { blobId } = await box.client.upload(bytes, 'message/rfc822');
  const { methodResponses } = await box.client.request({
    using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
    methodCalls: [
      [
        'Email/import',
        { accountId: box.client.session.accountId, emails: { m: { blobId, mailboxIds: { [inbox.id]: true } } } },
        'i',
      ],
    ],
  });
  const created = (methodResponses[0]![1] as { created?: Record<string, { id: string }> }).created?.m?.id;
  if (!created) throw new Error(`Import failed: ${JSON.stringify(methodResponses)}`);
  return created;
}

/** Send a raw message over SMTP (to the Postfix peer on loopback), dot-stuffed. */
export async function smtpSend(port: number, from: string, to: string, raw: string): Promise<void> {
  const { connect } = await import('node:net');
  const socket = connect(port, '127.0.0.1');
  let buffer = '';
  const replies: ((line: string) => void)[] = [];
  socket.on('data', (d) => {
    buffer += d.toString('latin1');
    let end: number;
    while ((end = buffer.search(/^\d{3} .*\r\n/m)) >= 0) {
      const match = /^\d{3} .*\r\n/m.exec(buffer.slice(end))!;
      const reply = buffer.slice(0, end + match[0].length);
      buffer = buffer.slice(end + match[0].length);
      replies.shift()?.(reply);
    }
  });
  const next = () => new Promise<string>((ok) => replies.push(ok));
  const expectCode = async (code: string, command?: string) => {
    const waiting = next();
    if (command !== undefined) socket.write(command);
    const reply = await waiting;
    if (!reply.startsWith(code)) throw new Error(`SMTP ${command?.trim() ?? 'greeting'}: ${reply}`);
  };
  await expectCode('220');
  await expectCode('250', 'EHLO test.invalid\r\n');
  await expectCode('250', `MAIL FROM:<${from}>\r\n`);
  await expectCode('250', `RCPT TO:<${to}>\r\n`);
  await expectCode('354', 'DATA\r\n');
  const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  await expectCode('250', `${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
  socket.end('QUIT\r\n');
}
