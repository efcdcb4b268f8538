import { embedded, expect, readMailbox, test, uniqueSubject } from './fixtures';

test('an invalid recipient is marked and blocks Send; nothing is lost', async ({ page, signInPage, composer }) => {
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test, not an address');
  const bad = composer.chip('not an address');
  await expect(bad).toHaveAttribute('aria-invalid', 'true');
  await composer.field('Subject').fill('kept');
  await composer.field('Message').fill('kept body');
  await composer.send().click();
  await expect(composer.alert().filter({ hasText: 'Not sent' })).toContainText('"not an address"');
  await expect(composer.status()).toHaveCount(0);
  await expect(composer.field('Subject')).toHaveValue('kept');
  await expect(composer.field('Message')).toHaveValue('kept body');
  await page.getByRole('button', { name: 'Remove not an address' }).click();
  await expect(page.locator('[aria-invalid="true"]')).toHaveCount(0);
});

test('a server-side submission error names the cause and keeps the message', async ({ signInPage, composer }) => {
  await signInPage.signIn();
  await composer.addRecipients('To', 'nobody@example.test');
  await composer.field('Subject').fill('to nobody');
  await composer.send().click();
  await expect(composer.alert()).toContainText('nobody@example.test');
  await expect(composer.alert()).toContainText('still here');
  await expect(composer.chip('nobody@example.test')).toBeVisible();
  await expect(composer.field('Subject')).toHaveValue('to nobody');
});

test('an account that may not send is told so', async ({ signInPage, composer, baseURL }) => {
  await signInPage.signIn(embedded(baseURL!, 'dave'));
  await composer.addRecipients('To', 'bob@example.test');
  await composer.send().click();
  await expect(composer.alert()).toContainText('may not send mail right now');
});

test('a network drop during upload keeps everything; the retry sends exactly once', async ({ page, signInPage, composer, baseURL }) => {
  const subject = uniqueSubject('Retry after drop');
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test');
  await composer.field('Subject').fill(subject);
  await composer.field('Message').fill('body survives');
  await composer.attach('a.bin', Buffer.from([0, 1, 2, 255]), 'application/octet-stream');
  await page.route('**/jmap/upload/**', (route) => route.abort('connectionreset'));
  await composer.send().click();
  await expect(composer.alert()).toContainText('Uploading the message to the mail server failed');
  await expect(composer.field('Subject')).toHaveValue(subject);
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('a.bin');
  await page.unroute('**/jmap/upload/**');
  await composer.send().click();
  await expect(composer.status()).toBeVisible();
  const bob = await readMailbox(embedded(baseURL!, 'bob'));
  await bob.waitFor(subject);
  expect((await bob.list()).filter((e) => e.subject === subject)).toHaveLength(1);
});

test('there is only ever one alert in the composer, and fixing the recipients clears a stale failure', async ({ page, signInPage, composer }) => {
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test, not an address');
  await composer.send().click();
  await expect(composer.alert()).toHaveCount(1);
  await expect(composer.alert()).toContainText('Not sent');
  await page.getByRole('button', { name: 'Remove not an address' }).click();
  await expect(composer.alert()).toHaveCount(0);
});
