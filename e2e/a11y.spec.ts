import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, test, uniqueSubject } from './fixtures';

async function expectNoViolations(page: Page, view: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe violations on ${view}`).toEqual([]);
}

/** Press Tab (at most `max` times) until `target` has focus: proves it is reachable by keyboard. */
async function tabUntilFocused(page: Page, target: Locator, max = 15) {
  await expect(target).toBeVisible();
  for (let i = 0; i < max && !(await target.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(target).toBeFocused();
}

test('axe finds no violations on sign-in, compose, drafts, sent, keys and settings', async ({
  page,
  signInPage,
  composer,
}) => {
  test.setTimeout(90_000); // seven axe runs on a shared 2-core machine
  await page.goto('/');
  await expect(signInPage.submit()).toBeVisible();
  await expectNoViolations(page, 'sign-in');
  await signInPage.signIn({ password: 'wrong' });
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoViolations(page, 'sign-in with an error');

  await signInPage.signIn({ password: 'alice-pass' });
  await composer.addRecipients('To', 'Bob <bob@example.test>, not an address');
  await composer.attach('notes.txt', 'x');
  await expect(composer.chip('not an address')).toHaveAttribute('aria-invalid', 'true');
  await expectNoViolations(page, 'compose with chips');

  await page.getByRole('button', { name: 'Remove not an address' }).click();
  const subject = uniqueSubject('a11y');
  await composer.field('Subject').fill(subject);
  await composer.send().click();
  await expect(composer.status()).toBeVisible();
  await expectNoViolations(page, 'compose after sending');

  await page.getByRole('link', { name: 'Sent', exact: true }).click();
  await page.getByRole('button', { name: subject }).click();
  await page.getByRole('button', { name: 'Raw source', exact: true }).click();
  await expect(page.getByTestId('raw-message')).toBeVisible();
  await expectNoViolations(page, 'sent with a message open');
  for (const view of ['Drafts', 'Keys', 'Settings']) {
    await page.getByRole('link', { name: view, exact: true }).click();
    await expect(page.getByRole('heading', { name: view, exact: true })).toBeVisible();
    await expectNoViolations(page, view);
  }
});

test('sign in, compose and send with the keyboard alone', async ({ page, composer }) => {
  const subject = uniqueSubject('Keyboard only');
  await page.goto('/');
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('alice-pass');
  await page.getByLabel('Password', { exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Compose' })).toBeVisible();

  await composer.field('From').focus();
  await page.keyboard.press('Tab'); // To
  await expect(composer.field('To')).toBeFocused();
  await page.keyboard.type('bob@example.test');
  await page.keyboard.press('Enter');
  await expect(composer.chip('bob@example.test')).toBeVisible();
  await page.keyboard.press('Tab'); // Cc (the chip's remove button precedes the To textarea)
  await page.keyboard.press('Tab'); // Bcc
  await page.keyboard.press('Tab'); // Subject
  await expect(composer.field('Subject')).toBeFocused();
  await page.keyboard.type(subject);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Typed without a mouse.');
  // Tab on to Send: past the file input and the (disabled) security switches.
  await tabUntilFocused(page, composer.send());
  await page.keyboard.press('Enter');
  await expect(composer.status()).toBeVisible();

  // Navigation by keyboard: focus lands in the new view.
  await page.getByRole('link', { name: 'Sent', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Sent' })).toBeFocused();
  await tabUntilFocused(page, page.getByRole('button', { name: subject }));
  await page.keyboard.press('Enter');
  await tabUntilFocused(page, page.getByRole('button', { name: 'Raw source', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('raw-message')).toContainText('Typed without a mouse.');
});

test('axe finds no violations on the Keys view with keys, the generate form, an import preview and the unlock dialog', async ({
  page,
  signInPage,
}) => {
  await signInPage.signIn();
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await expect(page.locator('[data-key-count]')).toBeVisible();
  await page.getByRole('button', { name: 'Generate key', exact: true }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
  await expectNoViolations(page, 'keys: generate form');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Key created' })).toBeVisible();
  await expectNoViolations(page, 'keys: key created');
  await page.getByRole('button', { name: 'Done', exact: true }).click();
  await page.getByLabel('Key', { exact: true }).fill('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbroken\n');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoViolations(page, 'keys: import error');
  await page.locator('[data-key-kind="secret"]').getByRole('button').click();
  await expectNoViolations(page, 'keys: details');
  await page.getByRole('button', { name: 'Unlock key', exact: true }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expectNoViolations(page, 'keys: unlock dialog');
});
