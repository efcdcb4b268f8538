import * as openpgp from 'openpgp';
import { loadAccountSetup } from '../src/core/jmap/account-setup';
import { destroyEmails } from '../src/core/jmap/mail';
import { importDraft } from '../src/core/jmap/submission';
import { embedded, expect, generateAndBindKey, readMailbox, storedPublicKey, test } from './fixtures';

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

test('a draft encrypted to my key by someone else opens read-only with a warning; only "Open as draft anyway" loads it', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const bob = embedded(baseURL!, 'bob');
  const box = await readMailbox(bob);
  const drafts = () => box.list('drafts');
  const leftovers = await drafts();
  if (leftovers.length)
    await destroyEmails(
      box.client,
      leftovers.map((d) => d.id),
    );
  await signInPage.signIn(bob);
  await generateAndBindKey(page, { email: 'bob@example.test', passphrase: 'planted draft passphrase' });
  const fingerprint = (await page.locator('[data-fingerprint]').first().getAttribute('data-fingerprint'))!;
  const bobPublic = await storedPublicKey(page, fingerprint);

  // Mallory has Bob's public key and access to his Drafts (a stolen app password, a rogue client).
  const payload = [
    'From: bob@example.test',
    'To: boss@example.org',
    'Subject: Please wire the money',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Wire 10,000 to account 123. 9f0a1c',
    '',
  ].join('\r\n');
  const armored = (await openpgp.encrypt({
    message: await openpgp.createMessage({ text: payload }),
    encryptionKeys: await openpgp.readKey({ armoredKey: bobPublic }),
  })) as string;
  const boundary = 'planted-9f0a1c';
  const planted = [
    'From: bob@example.test',
    'Subject: ...',
    'MIME-Version: 1.0',
    `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: application/pgp-encrypted',
    '',
    'Version: 1',
    `--${boundary}`,
    'Content-Type: application/octet-stream',
    '',
    armored,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const setup = await loadAccountSetup(box.client);
  const { blobId } = await box.client.upload(new TextEncoder().encode(planted), 'message/rfc822');
  await importDraft(box.client, { blobId, mailboxes: setup.mailboxes });

  await page.getByRole('link', { name: 'Drafts', exact: true }).click();
  await page
    .getByRole('button', { name: /^Open draft:/ })
    .first()
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill('planted draft passphrase');
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  const shown = page.locator('[data-draft-trusted="false"]');
  await expect(shown.getByRole('alert')).toContainText('not signed by any of your keys');
  await expect(shown).toContainText('boss@example.org');
  await expect(page.getByLabel('Subject', { exact: true })).toHaveCount(0); // still in Drafts, not the composer
  await page.getByRole('button', { name: 'Open as draft anyway', exact: true }).click();
  await expect(composer.field('Subject')).toHaveValue('Please wire the money');
});
