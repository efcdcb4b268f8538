import * as openpgp from 'openpgp';
import { expect, test } from './fixtures';

/** Hardening items the browser is needed for; the server and core ones are in `npm run test:security`. */

test('the import form reads what the user gave last: a key pasted after a refused file is what gets imported', async ({
  page,
  signInPage,
}) => {
  const { publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'Erin', email: 'erin@example.org' }] });
  await signInPage.signIn();
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page
    .getByLabel('Key file', { exact: true })
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a key at all') });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Nothing was imported');
  await page.getByLabel('Key', { exact: true }).fill(publicKey);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByLabel('Import preview')).toContainText('erin@example.org');
  // And the other way round: a file chosen after typing is what gets read.
  await page.getByLabel('Key', { exact: true }).fill('junk');
  await page
    .getByLabel('Key file', { exact: true })
    .setInputFiles({ name: 'erin.asc', mimeType: 'application/pgp-keys', buffer: Buffer.from(publicKey) });
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByLabel('Import preview')).toContainText('erin@example.org');
});

test('signing out in one tab signs out every tab and locks its keys', async ({ page, signInPage, context }) => {
  await signInPage.signIn();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(other.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(other.getByText('You signed out in another tab.')).toBeVisible();
});

test('a JMAP server over plain http is refused unless it is this machine', async ({ page, signInPage }) => {
  await signInPage.signIn({ server: 'http://mail.example.org/.well-known/jmap', username: 'a', password: 'b' });
  await expect(page.getByRole('alert')).toContainText('use https://');
});
