import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import type { Browser, Page } from '@playwright/test';
import { startAppServer, type RunningAppServer } from '../server/app-server';
import { startHagridDouble } from '../server/testing/hagrid-double';
import { wkdLocation } from '../src/core/discovery/wkd-url';
import { expect, generateAndBindKey, importKeyText, test } from './fixtures';

/**
 * Publishing runs against a companion of its own (its own data folder and web key directory, a
 * Hagrid-shaped key server on loopback), so the shared e2e server's directory stays empty and
 * other tests' recipients are not suddenly encryptable.
 */
let app: RunningAppServer;
let hagrid: Awaited<ReturnType<typeof startHagridDouble>>;
let dataDir: string;
const PASS = 'publish e2e passphrase';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pgp-composer-publish-'));
  hagrid = await startHagridDouble();
  app = await startAppServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    serve: 'dist',
    distDir: resolve('dist'),
    corsOrigins: [],
    seedDemo: true,
    prefillAccount: 'alice@example.test',
    // Nothing resolves: the public route of example.test is unreachable, as for a domain without a front.
    wkdProxy: {
      timeoutMs: 2000,
      maxBytes: 256 * 1024,
      allowPrivate: true,
      hostMap: new Map(),
      extraCaFile: null,
      onlyMapped: true,
    },
    publishing: { keyServerUrl: hagrid.url },
  });
});

test.afterAll(async () => {
  await app?.close();
  await hagrid?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(page: Page, user: 'alice' | 'bob') {
  await page.goto(app.url);
  await page.getByLabel('Username', { exact: true }).fill(`${user}@example.test`);
  await page.getByLabel('Password', { exact: true }).fill(`${user}-pass`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByLabel('From', { exact: true })).toBeVisible();
}

/** What the companion's directory serves for an address: the key, or null for 404. */
async function served(address: string) {
  const loc = await wkdLocation(address);
  const response = await fetch(new URL(`/.well-known/openpgpkey/${loc.domain}/hu/${loc.hash}`, app.url));
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return openpgp.readKey({ binaryKey: new Uint8Array(await response.arrayBuffer()) });
}

/**
 * Real GnuPG looks the address up by WKD (`--auto-key-locate clear,nodefault,wkd`) through an
 * HTTPS front on 127.0.0.1:443 (nginx, a test CA, names in a private namespace) serving a copy of
 * the companion's directory as it is on disk, then encrypts to what it found.
 */
async function gpgFindsByWkd(address: string, expected: openpgp.Key) {
  const copy = mkdtempSync(join(tmpdir(), 'wkd-copy-'));
  chmodSync(copy, 0o755); // nginx's worker reads it
  cpSync(join(dataDir, 'wkd'), join(copy, 'tree'), { recursive: true });
  const out = join(copy, 'out');
  const run = spawnSync('scripts/peers/wkd-gpg-locate.sh', [join(copy, 'tree'), address, out], { encoding: 'utf8' });
  if (run.status === 77 && !process.env.CI)
    return test
      .info()
      .annotations.push({ type: 'skipped', description: 'unshare not permitted: gpg WKD check skipped' });
  expect(run.status, run.stderr).toBe(0);
  const fingerprint = expected.getFingerprint().toUpperCase();
  expect(readFileSync(join(out, 'locate.out'), 'utf8')).toContain(fingerprint);
  // What gpg fetched and stored holds only the asked-for user ID.
  const fetched = await openpgp.readKey({ binaryKey: new Uint8Array(readFileSync(join(out, 'fetched.gpg'))) });
  expect(fetched.users.map((u) => u.userID?.email)).toEqual([address]);
  const located = await openpgp.readKey({ armoredKey: readFileSync(join(out, 'located.asc'), 'utf8') });
  expect([located.getFingerprint().toUpperCase(), located.users.length]).toEqual([fingerprint, 1]);
  // gpg encrypted to the located key's encryption subkey.
  const message = await openpgp.readMessage({ armoredMessage: readFileSync(join(out, 'encrypted.asc'), 'utf8') });
  const subkey = (await expected.getEncryptionKey()).getKeyID().toHex();
  expect(message.getEncryptionKeyIDs().map((id) => id.toHex())).toContain(subkey);
  rmSync(copy, { recursive: true, force: true });
}

const publication = (page: Page, address: string) => page.locator(`[data-publish-address="${address}"]`);

async function newPage(browser: Browser) {
  const context = await browser.newContext();
  return context.newPage();
}

test('binding publishes (only the bound address’s user ID); an alias gets its own file; unbinding and the switch withdraw', async ({
  page,
}) => {
  await signIn(page, 'alice');
  await generateAndBindKey(page, { email: 'alice@example.test', name: 'Alice', passphrase: PASS });
  await expect(publication(page, 'alice@example.test')).toHaveAttribute('data-wkd-status', 'published');
  const key = (await served('alice@example.test'))!;
  expect(key.users.map((u) => u.userID?.email)).toEqual(['alice@example.test']);
  await gpgFindsByWkd('alice@example.test', key);

  await page.getByRole('button', { name: 'Add alice.alias@example.test to an existing key' }).click();
  await page.getByRole('button', { name: 'Add user ID', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true }).check();
  await expect(publication(page, 'alice.alias@example.test')).toHaveAttribute('data-wkd-status', 'published');
  const alias = (await served('alice.alias@example.test'))!;
  expect(alias.getFingerprint()).toBe(key.getFingerprint());
  expect(alias.users.map((u) => u.userID?.email)).toEqual(['alice.alias@example.test']);
  expect((await served('alice@example.test'))!.users.map((u) => u.userID?.email)).toEqual(['alice@example.test']);

  await page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true }).uncheck();
  await expect(publication(page, 'alice.alias@example.test')).toHaveAttribute('data-wkd-status', 'not-published');
  expect(await served('alice.alias@example.test')).toBeNull();

  const publish = page.getByRole('switch', { name: 'Publish key for alice@example.test', exact: true });
  await expect(publish).toBeChecked();
  await publish.uncheck();
  await expect(publication(page, 'alice@example.test')).toHaveAttribute('data-wkd-status', 'not-published');
  expect(await served('alice@example.test')).toBeNull();
  await publish.check();
  await expect(publication(page, 'alice@example.test')).toHaveAttribute('data-wkd-status', 'published');
  expect(await served('alice@example.test')).not.toBeNull();
});

test('Alice’s composer finds Bob’s published key with nothing pasted by hand', async ({ page, browser }) => {
  const bobPage = await newPage(browser);
  await signIn(bobPage, 'bob');
  await generateAndBindKey(bobPage, { email: 'bob@example.test', passphrase: PASS });
  await expect(publication(bobPage, 'bob@example.test')).toHaveAttribute('data-wkd-status', 'published');
  const bobKey = (await served('bob@example.test'))!;

  await signIn(page, 'alice');
  await page.getByLabel('To', { exact: true }).fill('bob@example.test');
  await page.getByLabel('To', { exact: true }).press('Enter');
  const chip = page.locator('[data-recipient="bob@example.test"]');
  await expect(chip).toHaveAttribute('data-key-status', 'valid');
  await expect(chip).toHaveAttribute('data-key-source', 'wkd');
  await expect(chip).toHaveAttribute('data-key-fingerprint', bobKey.getFingerprint().toUpperCase());
  await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
  await bobPage.context().close();
});

test('key-server upload: pending until the mailed link is opened, then verified; the self-check says so', async ({
  page,
}) => {
  await signIn(page, 'alice');
  // A new browser profile: a new key, which replaces the one another profile published.
  await generateAndBindKey(page, { email: 'alice@example.test', passphrase: PASS });
  const entry = publication(page, 'alice@example.test');
  await expect(entry).toHaveAttribute('data-wkd-status', 'published');
  await expect(entry).toHaveAttribute('data-vks-status', 'not-uploaded');
  await page.getByRole('button', { name: 'Check alice@example.test', exact: true }).click();
  await expect(entry).toHaveAttribute('data-check-wkd', 'same-key');
  await expect(entry).toHaveAttribute('data-check-public', 'unreachable');
  await expect(entry).toHaveAttribute('data-check-vks', 'no-key');

  await page.getByRole('button', { name: 'Upload key for alice@example.test', exact: true }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Verification mail sent to alice@example.test' }),
  ).toBeVisible();
  await expect(entry).toHaveAttribute('data-vks-status', 'pending-verification');
  const mail = hagrid.outbox.find((m) => m.to === 'alice@example.test')!;
  expect((await fetch(mail.link)).status).toBe(200);
  await page.reload();
  await expect(entry).toHaveAttribute('data-vks-status', 'verified');
  await page.getByRole('button', { name: 'Check alice@example.test', exact: true }).click();
  await expect(entry).toHaveAttribute('data-check-vks', 'same-key');
});

test('a key that expires within 30 days is extended by two years and published again with the new expiry', async ({
  page,
}) => {
  const day = 86400_000;
  const { privateKey } = await openpgp.generateKey({
    userIDs: [{ name: 'Alice', email: 'alice.alias@example.test' }],
    passphrase: PASS,
    date: new Date(Date.now() - 355 * day),
    keyExpirationTime: 365 * 86400, // expires in about ten days
    format: 'armored',
  });
  await signIn(page, 'alice');
  await importKeyText(page, privateKey, 1);
  await page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true }).check();
  const entry = publication(page, 'alice.alias@example.test');
  await expect(entry).toHaveAttribute('data-wkd-status', 'published');
  const before = (await (await served('alice.alias@example.test'))!.getExpirationTime()) as Date;
  expect(before.getTime() - Date.now()).toBeLessThan(30 * day);

  await page.getByRole('button', { name: 'Extend key for alice.alias@example.test', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Extend key for alice.alias@example.test', exact: true })).toBeHidden();
  await expect
    .poll(async () => {
      const expires = (await (await served('alice.alias@example.test'))?.getExpirationTime()) as Date | undefined;
      return expires ? expires.getTime() - Date.now() : 0;
    })
    .toBeGreaterThan(700 * day);
  expect((await served('alice.alias@example.test'))!.getFingerprint()).toBe(
    (await openpgp.readKey({ armoredKey: privateKey })).getFingerprint(),
  );
});

test('revoking a published key with its revocation certificate publishes the revocation', async ({ page }) => {
  await signIn(page, 'alice');
  await generateAndBindKey(page, { email: 'alice@example.test', passphrase: PASS });
  const entry = publication(page, 'alice@example.test');
  await expect(entry).toHaveAttribute('data-wkd-status', 'published');
  const fingerprint = (await served('alice@example.test'))!.getFingerprint().toUpperCase();
  // The key server still returns the key verified in an earlier test: a different key.
  await page.getByRole('button', { name: 'Check alice@example.test', exact: true }).click();
  await expect(entry).toHaveAttribute('data-check-vks', 'different-key');
  await expect(entry).toHaveAttribute('data-check-wkd', 'same-key');
  await page.locator(`[data-fingerprint="${fingerprint}"]`).getByRole('button').click();
  await page.getByRole('button', { name: 'Revoke key', exact: true }).click();
  await page.getByRole('button', { name: 'Revoke this key', exact: true }).click();
  await expect(entry).toHaveAttribute('data-wkd-status', 'revoked');
  const key = (await served('alice@example.test'))!;
  expect([key.getFingerprint().toUpperCase(), await key.isRevoked()]).toEqual([fingerprint, true]);
});
