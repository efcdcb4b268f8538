import PostalMime from 'postal-mime';
import { embedded, expect, headersOf, readMailbox, test, uniqueSubject } from './fixtures';

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
