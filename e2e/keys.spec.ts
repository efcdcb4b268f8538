import * as openpgp from 'openpgp';
import type { Page } from '@playwright/test';
import { dumpIndexedDb, expect, test } from './fixtures';

const PASS = 'correct horse battery staple';

async function openKeys(page: Page) {
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toBeVisible();
}

async function generate(page: Page, email: string, algorithm = 'curve25519-legacy') {
  await page.getByRole('button', { name: 'Generate key', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill('Alice Demo');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByLabel('Algorithm', { exact: true }).selectOption(algorithm);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Key created' })).toBeVisible({ timeout: 60_000 });
  const fingerprint = (await page.getByRole('status').filter({ hasText: 'Created key' }).textContent())!
    .match(/Created key ([0-9A-F ]+) for/)![1]!
    .replace(/\s/g, '');
  await page.getByRole('button', { name: 'Done', exact: true }).click();
  return fingerprint;
}

test('generate a key for the alias, bind it, reload: everything persists and From shows it', async ({
  page,
  signInPage,
  composer,
}) => {
  await signInPage.signIn();
  await openKeys(page);
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '0');
  const aliasSwitch = page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true });
  await expect(aliasSwitch).toBeDisabled();
  const fingerprint = await generate(page, 'alice.alias@example.test');
  expect(fingerprint).toMatch(/^[0-9A-F]{40}$/);
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
  await expect(page.locator(`[data-fingerprint="${fingerprint}"]`)).toHaveAttribute('data-key-kind', 'secret');
  // The primary address has no eligible key: its switch stays off and disabled.
  await expect(page.getByRole('switch', { name: 'Use key for alice@example.test', exact: true })).toBeDisabled();
  await aliasSwitch.check();
  await expect(aliasSwitch).toBeChecked();
  // The switch follows the click at once; the stored binding is what a reload shows.
  await expect(page.locator('[data-address="alice.alias@example.test"]')).toContainText('Bound to');

  await page.reload();
  await openKeys(page);
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
  await expect(page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true })).toBeChecked();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  const from = composer.field('From');
  await expect(from).toHaveAttribute('data-key-status', 'none'); // primary address selected
  await from.selectOption({ label: 'Alice Demo (alias) <alice.alias@example.test>' });
  await expect(from).toHaveAttribute('data-key-status', 'valid');
  await expect(from).toHaveAttribute('data-key-fingerprint', fingerprint);
});

test('import a passphrase-protected secret key and unlock it; a wrong passphrase is refused', async ({
  page,
  signInPage,
}) => {
  const { privateKey } = await openpgp.generateKey({
    userIDs: [{ name: 'Carol', email: 'carol@example.test' }],
    passphrase: PASS,
  });
  const fingerprint = (await openpgp.readKey({ armoredKey: privateKey })).getFingerprint().toUpperCase();
  await signInPage.signIn();
  await openKeys(page);
  await page.getByLabel('Key', { exact: true }).fill(privateKey);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByLabel('Import preview')).toContainText('Carol <carol@example.test>');
  await expect(page.getByLabel('Import preview')).toContainText('passphrase-protected');
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.locator(`[data-fingerprint="${fingerprint}"]`)).toHaveAttribute('data-key-kind', 'secret');
  await page.locator(`[data-fingerprint="${fingerprint}"]`).getByRole('button').click();
  await page.getByRole('button', { name: 'Unlock key', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('Wrong passphrase');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Lock key', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Lock key', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Unlock key', exact: true })).toBeVisible();
});

test('bad armor shows an alert and stores nothing; refused keys are named', async ({ page, signInPage }) => {
  await signInPage.signIn();
  await openKeys(page);
  const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'x@example.org' }] });
  await page.getByLabel('Key', { exact: true }).fill(publicKey.slice(0, 200));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('bad armor');
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '0');
  await page.getByLabel('Key', { exact: true }).fill('this is not a key');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('not OpenPGP');

  const weak = (await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 1024,
    userIDs: [{ email: 'weak@example.org' }],
    config: { minRSABits: 1024 },
  } as never)) as unknown as { publicKey: string };
  await page.getByLabel('Key', { exact: true }).fill(`${weak.publicKey}\n${publicKey}`);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('weak@example.org');
  await expect(page.getByRole('alert')).toContainText('RSA 1024');
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
});

test('an unprotected secret key gets a new passphrase; IndexedDB never holds a plain secret key or a passphrase', async ({
  page,
  signInPage,
}) => {
  const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: 'Dave', email: 'dave@example.test' }] });
  await signInPage.signIn();
  await openKeys(page);
  await generate(page, 'alice@example.test');
  await page
    .getByLabel('Key file', { exact: true })
    .setInputFiles({ name: 'dave.asc', mimeType: 'application/pgp-keys', buffer: Buffer.from(privateKey) });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByLabel('Import preview')).toContainText('no passphrase');
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('no passphrase');
  await page.getByLabel('New passphrase', { exact: true }).fill('another long passphrase');
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '2');

  const dump = await dumpIndexedDb(page);
  expect(dump).not.toContain(PASS);
  expect(dump).not.toContain('another long passphrase');
  const secrets = [
    ...dump.matchAll(/-----BEGIN PGP PRIVATE KEY BLOCK-----[^"]*?-----END PGP PRIVATE KEY BLOCK-----/g),
  ].map((m) => JSON.parse(`"${m[0]}"`) as string);
  expect(secrets).toHaveLength(2);
  for (const armored of secrets) {
    const key = await openpgp.readPrivateKey({ armoredKey: armored });
    expect(key.isDecrypted()).toBe(false);
  }
});

test('deleting a secret key needs a deliberate confirmation', async ({ page, signInPage }) => {
  await signInPage.signIn();
  await openKeys(page);
  const fingerprint = await generate(page, 'alice@example.test');
  await page.locator(`[data-fingerprint="${fingerprint}"]`).getByRole('button').click();
  await page.getByRole('button', { name: 'Delete key', exact: true }).click();
  const yes = page.getByRole('button', { name: 'Yes, delete', exact: true });
  await expect(yes).toBeDisabled();
  await page.getByRole('checkbox', { name: /I have a backup/ }).check();
  await yes.click();
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '0');
});

test('a key imported in one tab appears in another', async ({ page, signInPage }) => {
  await signInPage.signIn();
  await openKeys(page);
  const other = await page.context().newPage();
  await other.goto('/#/keys');
  await expect(other.locator('[data-key-count]')).toHaveAttribute('data-key-count', '0');
  const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'tab@example.org' }] });
  await page.getByLabel('Key', { exact: true }).fill(publicKey);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
  await expect(other.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
});

test('a key bound in one tab shows beside From in another tab’s composer, and unbinding it there too', async ({
  page,
  signInPage,
}) => {
  await signInPage.signIn();
  const other = await page.context().newPage();
  await other.goto('/#/compose');
  const from = other.getByLabel('From', { exact: true });
  await expect(from).toHaveAttribute('data-key-status', 'none');
  await openKeys(page);
  const fingerprint = await generate(page, 'alice@example.test');
  const use = page.getByRole('switch', { name: 'Use key for alice@example.test', exact: true });
  await use.check();
  await expect(from).toHaveAttribute('data-key-status', 'valid');
  await expect(from).toHaveAttribute('data-key-fingerprint', fingerprint);
  await expect(other.getByText('Your key for alice@example.test is ready.')).toBeVisible();
  await use.uncheck();
  await expect(from).toHaveAttribute('data-key-status', 'none');
  await expect(from).not.toHaveAttribute('data-key-fingerprint', /./);
});

test('a dropped binary key file is imported like a chosen one', async ({ page, signInPage }) => {
  const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'dropped@example.org' }], format: 'binary' });
  await signInPage.signIn();
  await openKeys(page);
  const dataTransfer = await page.evaluateHandle(
    (bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped.gpg', { type: 'application/octet-stream' }));
      return dt;
    },
    [...publicKey],
  );
  const area = page.getByRole('region', { name: 'Import keys' });
  await area.dispatchEvent('dragover', { dataTransfer });
  await area.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByLabel('Import preview')).toContainText('dropped@example.org');
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toHaveAttribute('data-key-count', '1');
});

test('one key can serve the alias too: add its user ID (after unlocking), then bind it', async ({
  page,
  signInPage,
}) => {
  await signInPage.signIn();
  await openKeys(page);
  const fingerprint = await generate(page, 'alice@example.test');
  const aliasSwitch = page.getByRole('switch', { name: 'Use key for alice.alias@example.test', exact: true });
  await expect(aliasSwitch).toBeDisabled();
  await page.getByRole('button', { name: 'Add alice.alias@example.test to an existing key' }).click();
  await page.getByRole('button', { name: 'Add user ID', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(aliasSwitch).toBeEnabled();
  await aliasSwitch.check();
  await page.getByRole('switch', { name: 'Use key for alice@example.test', exact: true }).check();
  await page.locator(`[data-fingerprint="${fingerprint}"]`).getByRole('button').click();
  await expect(page.getByText('Serves your addresses')).toBeVisible();
  const details = page.locator(`[data-details-fingerprint="${fingerprint}"]`);
  await expect(details).toContainText('<alice.alias@example.test> (valid)');
  await expect(details).toContainText(
    /Serves your addresses(alice\.alias@example\.test, alice@example\.test|alice@example\.test, alice\.alias@example\.test)/,
  );
});
