import PostalMime from 'postal-mime';
import { destroyEmails } from '../src/core/jmap/mail';
import {
  embedded,
  expect,
  generateAndBindKey,
  headersOf,
  readMailbox,
  recordTraffic,
  test,
  throttle,
  type MailboxReader,
  uniqueSubject,
} from './fixtures';

// Carol's Drafts mailbox is used by these tests only; they run one after the other.
test.describe.configure({ mode: 'serial' });

const PASS = 'carol long passphrase';

/** Drafts left by an earlier try of a test (CI retries). */
async function emptyDrafts(box: MailboxReader) {
  const leftovers = await box.list('drafts');
  if (leftovers.length)
    await destroyEmails(
      box.client,
      leftovers.map((d) => d.id),
    );
}

test('drafts are stored encrypted to the sender, autosaved and saved by hand, reopened after a reload, and removed once sent', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const carol = embedded(baseURL!, 'carol');
  const subject = uniqueSubject('Entwurf Überraschung');
  const body = 'Draft body 51c2e8 — not for the server.';
  const attachmentName = 'Gästeliste-51c2e8.txt';
  const attachmentContent = 'draft attachment 51c2e8';
  const traffic = await recordTraffic(page);
  const box = await readMailbox(carol);
  const drafts = () => box.list('drafts');
  await emptyDrafts(box);

  await signInPage.signIn(carol);
  await generateAndBindKey(page, { email: 'carol@example.test', passphrase: PASS });
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(composer.field('From')).toHaveAttribute('data-key-status', 'valid');
  await composer.addRecipients('To', 'Bob <bob@example.test>');
  await composer.addRecipients('Bcc', 'dave@example.test');
  // Text that is not an address (yet) is kept as well: an invalid chip, and an address half typed.
  await composer.addRecipients('Cc', 'not an address 51c2e8');
  await composer.field('Cc').fill('erin@exa');
  await composer.field('Subject').fill(subject);
  await composer.field('Message').fill(body);
  await composer.attach(attachmentName, attachmentContent);

  // Autosave, a few seconds after the last edit.
  const draftState = page.locator('[data-draft-state]');
  await expect(draftState).toHaveAttribute('data-draft-state', 'saved');
  await expect(draftState).toContainText('encrypted to your key');
  await expect.poll(drafts).toHaveLength(1);
  const stored = await box.raw((await drafts())[0]!);
  expect(headersOf(stored)).toMatch(/Content-Type: multipart\/encrypted/);
  expect(headersOf(stored)).not.toMatch(/^(To|Cc|Bcc):/m);
  for (const secret of [subject, 'Entwurf', body, '51c2e8', 'bob@example.test', 'dave@example.test'])
    expect(stored, secret).not.toContain(secret);

  // Saved by hand after an edit: the stored copy is replaced, not added to.
  const firstId = (await drafts())[0]!.id;
  await composer.field('Message').fill(`${body}\nSecond line.`);
  await page.getByRole('button', { name: 'Save draft', exact: true }).click();
  await expect.poll(async () => (await drafts()).map((d) => d.id !== firstId)).toEqual([true]);
  await expect(draftState).toHaveAttribute('data-draft-state', 'saved');

  // An address still being typed (the field keeps the focus) is autosaved too.
  const manualId = (await drafts())[0]!.id;
  await composer.field('Cc').fill('frank@exa');
  await expect.poll(async () => (await drafts()).map((d) => d.id !== manualId)).toEqual([true]);
  await expect(draftState).toHaveAttribute('data-draft-state', 'saved');

  // After a reload the composer is empty and the key locked: the draft opens after unlocking.
  await page.reload();
  await page.getByRole('link', { name: 'Drafts', exact: true }).click();
  const row = page.locator('tr[data-draft-encrypted="true"]');
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: /^Open draft/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Compose' })).toBeVisible();
  await expect(composer.field('Subject')).toHaveValue(subject);
  await expect(composer.field('Message')).toHaveValue(`${body}\nSecond line.`);
  await expect(composer.chip('bob@example.test')).toBeVisible();
  await expect(composer.chip('dave@example.test')).toBeVisible();
  await expect(composer.chip('not an address 51c2e8')).toHaveAttribute('aria-invalid', 'true');
  await expect(composer.chip('erin@exa')).toHaveAttribute('aria-invalid', 'true'); // left half typed: a chip (UI contract)
  await expect(composer.field('Cc')).toHaveValue('frank@exa');
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText(attachmentName);

  // Security: until now (draft saves included) nothing the user wrote left the page.
  const { all, bodies } = traffic();
  expect(
    bodies.filter((r) => r.includes('/jmap/upload/') && r.includes('-----BEGIN PGP MESSAGE-----')).length,
  ).toBeGreaterThanOrEqual(2);
  for (const secret of [
    subject,
    'Entwurf',
    body,
    'Draft body 51c2e8',
    'not an address',
    'erin@exa',
    'frank@exa',
    attachmentName,
    attachmentContent,
    PASS,
    'PRIVATE KEY BLOCK',
  ])
    expect(all, secret).not.toContain(secret);

  // Sending (signed, not encrypted: bob has no key) removes the draft.
  await page.getByRole('button', { name: 'Remove not an address 51c2e8', exact: true }).click();
  await page.getByRole('button', { name: 'Remove erin@exa', exact: true }).click();
  await composer.field('Cc').fill('');
  await composer.send().click();
  await expect(composer.status()).toBeVisible();
  await expect.poll(drafts).toHaveLength(0);
  const bobBox = await readMailbox(embedded(baseURL!, 'bob'));
  const delivered = await bobBox.waitFor(subject).then((e) => bobBox.raw(e));
  const parsed = await PostalMime.parse(delivered);
  expect(parsed.attachments.map((a) => a.filename)).toContain(attachmentName);
  // The file came back from the encrypted draft (decoded as it was decrypted) and went out unchanged.
  const sentFile = parsed.attachments.find((a) => a.filename === attachmentName)!.content;
  expect(typeof sentFile === 'string' ? sentFile : new TextDecoder().decode(sentFile)).toBe(attachmentContent);
});

test('with encryption on and no key of one’s own, a draft is refused, not stored in clear', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const carol = embedded(baseURL!, 'carol');
  const traffic = await recordTraffic(page);
  await signInPage.signIn(carol);
  await expect(composer.field('From')).toHaveAttribute('data-key-status', 'none');
  await composer.addRecipients('To', 'carol@wkd.test');
  await expect(composer.chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
  const encrypt = page.getByRole('switch', { name: 'Encrypt', exact: true });
  await expect(encrypt).toBeChecked();
  await composer.field('Subject').fill('Plain draft 9d41 must not be stored');
  await page.getByRole('button', { name: 'Save draft', exact: true }).click();
  await expect(composer.alert()).toContainText('Encrypted drafts need a key bound to your From address');
  expect(traffic().all).not.toContain('/jmap/upload/');
  expect(await (await readMailbox(carol)).list('drafts')).toHaveLength(0);
});

test('opening a draft never silently replaces an unsaved message in the composer', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const carol = embedded(baseURL!, 'carol');
  const box = await readMailbox(carol);
  await emptyDrafts(box);
  await signInPage.signIn(carol);
  await generateAndBindKey(page, { email: 'carol@example.test', passphrase: PASS });
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.field('Subject').fill('Saved one');
  await page.getByRole('button', { name: 'Save draft', exact: true }).click();
  await expect(page.locator('[data-draft-state]')).toHaveAttribute('data-draft-state', 'saved');
  // A new message that cannot be saved (the server is unreachable for uploads): it stays unsaved.
  await page.reload();
  await page.route('**/jmap/upload/**', (route) => route.abort('connectionreset'));
  await composer.field('Subject').fill('Unsaved work');
  await page.getByRole('link', { name: 'Drafts', exact: true }).click();
  await page
    .locator('tr[data-draft-encrypted="true"]')
    .getByRole('button', { name: /^Open draft/ })
    .click();
  const choice = page.getByRole('group', { name: 'Unsaved message' });
  await expect(choice).toBeVisible();
  await choice.getByRole('button', { name: 'Keep it', exact: true }).click();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(composer.field('Subject')).toHaveValue('Unsaved work');
});

test('Send stops an autosave still uploading a large draft instead of waiting for it', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const carol = embedded(baseURL!, 'carol');
  const subject = uniqueSubject('Large draft, sent');
  const box = await readMailbox(carol);
  await emptyDrafts(box);
  await signInPage.signIn(carol);
  await generateAndBindKey(page, { email: 'carol@example.test', passphrase: PASS });
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(composer.field('From')).toHaveAttribute('data-key-status', 'valid');
  await composer.addRecipients('To', 'bob@example.test');
  await page.getByRole('switch', { name: 'Sign', exact: true }).uncheck();
  await composer.field('Subject').fill(subject);
  // Uploads at 512 KiB/s: the 5.5 MiB encrypted draft would take about 11 s.
  const link = await throttle(page);
  await link({ upload: 512 * 1024 });
  const uploads: string[] = [];
  const stopped: string[] = [];
  page.on('request', (r) => void (r.url().includes('/jmap/upload/') && uploads.push(r.url())));
  page.on('requestfailed', (r) => void (r.url().includes('/jmap/upload/') && stopped.push(r.failure()!.errorText)));
  await composer.attachMade('big-draft.bin', 3 * 1024 * 1024);
  // A draft this size is autosaved 8 s after the last edit (autosaveDelay).
  await expect(page.locator('[data-draft-state]')).toHaveAttribute('data-draft-state', 'saving', { timeout: 20_000 });
  await expect.poll(() => uploads.length).toBe(1);
  await composer.send().click();
  await link({});
  await expect.poll(() => stopped).toEqual(['net::ERR_ABORTED']);
  await expect(composer.status()).toBeVisible();
  const bob = await readMailbox(embedded(baseURL!, 'bob'));
  await bob.waitFor(subject);
  // Nothing of the stopped draft is left.
  await expect.poll(() => box.list('drafts')).toHaveLength(0);
});
