import PostalMime from 'postal-mime';
import { embedded, expect, headersOf, readMailbox, test, throttle, uniqueSubject } from './fixtures';

test('alice sends to bob with Cc, Bcc, a non-ASCII subject and an attachment; it arrives and Bcc stays hidden', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const subject = uniqueSubject('Grüße aus Köln – 日本語 ✓');
  await signInPage.signIn(); // pre-filled for alice on the embedded backend
  await expect(composer.field('From')).toContainText('alice@example.test');

  await composer.addRecipients('To', 'Bob Demo <bob@example.test>');
  await composer.addRecipients('Cc', 'carol@example.test');
  await composer.addRecipients('Bcc', 'dave@example.test, hidden@elsewhere.example');
  await expect(composer.chip('bob@example.test')).toBeVisible();
  // A real look-up runs; here keys.openpgp.org cannot be reached, so the honest answer is "error".
  await expect(composer.chip('dave@example.test')).toHaveAttribute('data-key-status', /^(none|error)$/);
  await composer.field('Subject').fill(subject);
  await composer.field('Message').fill('Hallo Bob,\nsiehe Anhang.\n');
  await composer.attach('Übersicht résumé.txt', 'attachment body ✓');
  await composer.send().click();

  await expect(composer.status()).toBeVisible();
  await expect(composer.field('Subject')).toHaveValue('');
  await expect(page.locator('[data-recipient]')).toHaveCount(0);

  for (const user of ['bob', 'carol', 'dave'] as const) {
    const mailbox = await readMailbox(embedded(baseURL!, user));
    const email = await mailbox.waitFor(subject);
    const raw = await mailbox.raw(email);
    expect(headersOf(raw)).not.toMatch(/dave@example\.test|hidden@elsewhere\.example/);
    expect(headersOf(raw)).not.toMatch(/^bcc:/im);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.to).toEqual([{ name: 'Bob Demo', address: 'bob@example.test' }]);
    expect(parsed.cc).toEqual([{ name: '', address: 'carol@example.test' }]);
    expect(parsed.text?.trim()).toBe('Hallo Bob,\r\nsiehe Anhang.'.replace(/\r\n/g, '\n'));
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Übersicht résumé.txt']);
    expect(new TextDecoder().decode(parsed.attachments[0]!.content as ArrayBuffer)).toBe('attachment body ✓');
  }

  // The Sent view lists it and shows the raw bytes that left the browser.
  await page.getByRole('link', { name: 'Sent', exact: true }).click();
  await page.getByRole('button', { name: subject }).click();
  await page.getByRole('button', { name: 'Raw source', exact: true }).click();
  const raw = page.getByTestId('raw-message');
  await expect(raw).toContainText('Subject: =?UTF-8?');
  await expect(raw).toContainText("filename*0*=utf-8''");
  await expect(raw).not.toContainText('hidden@elsewhere.example');
});

test('pasting several addresses makes chips; Enter never submits; one chip per address', async ({
  page,
  signInPage,
  composer,
}) => {
  await signInPage.signIn();
  const to = composer.field('To');
  await to.fill('"Doe, Jane" <jane@example.test>; bob@example.test\nBOB@example.test, carol@exam');
  await expect(composer.chip('jane@example.test')).toContainText('"Doe, Jane" <jane@example.test>');
  await expect(composer.chip('bob@example.test')).toHaveCount(1);
  await expect(to).toHaveValue('carol@exam');
  await to.pressSequentially('ple.test');
  await to.press('Enter');
  await expect(composer.chip('carol@example.test')).toBeVisible();
  await composer.field('Subject').fill('not yet');
  await composer.field('Subject').press('Enter');
  await expect(composer.status()).toHaveCount(0);
  await expect(composer.field('Subject')).toHaveValue('not yet');
  await page.getByRole('button', { name: 'Remove bob@example.test' }).click();
  await expect(composer.chip('bob@example.test')).toHaveCount(0);
});

test('a slow upload shows how far it got and can be cancelled; Send again sends the message once', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const subject = uniqueSubject('Cancelled upload');
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test');
  await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
  await composer.field('Subject').fill(subject);
  await composer.attachMade('slow.bin', 6 * 1024 * 1024);
  // A link that uploads 1 MiB/s: the 8.2 MiB message takes about 8 s.
  const link = await throttle(page);
  await link({ upload: 1024 * 1024 });
  await composer.send().click();
  const uploading = page.getByRole('status').filter({ hasText: 'Uploading…' });
  const percent = async () => Number(/(\d+)% of 8\.2 MiB/.exec((await uploading.textContent()) ?? '')?.[1] ?? -1);
  await expect.poll(percent).toBeGreaterThan(0);
  const first = await percent();
  await expect.poll(percent).toBeGreaterThan(first);
  expect(await percent()).toBeLessThan(100);
  await page.getByRole('button', { name: 'Cancel upload', exact: true }).click();
  await expect(composer.alert()).toHaveText(
    'Not sent: you cancelled the upload. Your message is still here; Send uploads it again.',
  );
  await expect(page.getByRole('button', { name: 'Cancel upload', exact: true })).toHaveCount(0);
  await expect(composer.field('Subject')).toHaveValue(subject);
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('slow.bin');
  const bob = await readMailbox(embedded(baseURL!, 'bob'));
  await link({});
  await composer.send().click();
  await expect(composer.status()).toBeVisible();
  await bob.waitFor(subject);
  await page.waitForTimeout(500);
  expect((await bob.list()).filter((e) => e.subject === subject)).toHaveLength(1);
});

test('a send that finishes while another view is open: back in Compose it says Sent, and the composer is empty', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const subject = uniqueSubject('Sent meanwhile');
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test');
  await composer.field('Subject').fill(subject);
  await composer.attachMade('meanwhile.bin', 6 * 1024 * 1024);
  const link = await throttle(page);
  await link({ upload: 1024 * 1024 });
  await composer.send().click();
  await expect(page.getByRole('status').filter({ hasText: 'Uploading…' })).toBeVisible();
  await page.getByRole('link', { name: 'Inbox', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible();
  await link({});
  const bob = await readMailbox(embedded(baseURL!, 'bob'));
  await bob.waitFor(subject);
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(composer.status()).toHaveText('Sent to 1 recipient.');
  await expect(composer.field('Subject')).toHaveValue('');
  await expect(page.getByRole('list', { name: 'Attachments' })).toHaveCount(0);
});
