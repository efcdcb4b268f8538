import * as openpgp from 'openpgp';
import type { Page } from '@playwright/test';
import { embedded, expect, generateAndBindKey, importKeyText, readMailbox, test, uniqueSubject } from './fixtures';

/** The app's code chunk `name` (/assets/<name>-<hash>.js), failing to download while `offline`. */
async function unreachableChunk(page: Page, name: string, offline = true) {
  const chunk = { offline };
  await page.route(new RegExp(`/assets/${name}-[^/]*\\.js$`), (route) =>
    chunk.offline ? route.abort() : route.continue(),
  );
  return chunk;
}

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

test('a network drop during upload keeps everything; the retry sends exactly once', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
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

test('there is only ever one alert in the composer, and fixing the recipients clears a stale failure', async ({
  page,
  signInPage,
  composer,
}) => {
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test, not an address');
  await composer.send().click();
  await expect(composer.alert()).toHaveCount(1);
  await expect(composer.alert()).toContainText('Not sent');
  await page.getByRole('button', { name: 'Remove not an address' }).click();
  await expect(composer.alert()).toHaveCount(0);
});

test('an encrypted message whose submission answer is lost: the retry sends the same ciphertext, once', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const subject = uniqueSubject('Encrypted retry');
  const bobKey = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
  await signInPage.signIn();
  await importKeyText(page, bobKey.publicKey, 1);
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'bob@example.test');
  await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
  await composer.field('Subject').fill(subject);
  await composer.field('Message').fill('encrypted once');
  const uploads: string[] = [];
  page.on('request', (r) => void (r.url().includes('/jmap/upload/') && uploads.push(r.url())));
  let dropped = false;
  await page.route('**/jmap/api/**', async (route) => {
    if (dropped || !(route.request().postData() ?? '').includes('"EmailSubmission/set"')) return route.continue();
    dropped = true;
    await route.fetch();
    await route.abort('connectionreset');
  });
  await composer.send().click();
  await expect(composer.alert()).toContainText('may have been sent');
  await composer.send().click();
  await expect(composer.status()).toBeVisible();
  expect(uploads).toHaveLength(1); // built, encrypted and uploaded once
  // Bob's Inbox is shared with other tests: count the messages that decrypt with this test's key to this subject.
  const bob = await readMailbox(embedded(baseURL!, 'bob'));
  const decryptionKeys = await openpgp.readPrivateKey({ armoredKey: bobKey.privateKey });
  const ours = async () => {
    let n = 0;
    for (const email of (await bob.list()).filter((e) => e.subject === '[...]')) {
      const raw = await bob.raw(email);
      const armored = raw.slice(
        raw.indexOf('-----BEGIN PGP MESSAGE-----'),
        raw.indexOf('-----END PGP MESSAGE-----') + 25,
      );
      const inner = await openpgp
        .decrypt({ message: await openpgp.readMessage({ armoredMessage: armored }), decryptionKeys })
        .then(
          (r) => String(r.data),
          () => '',
        );
      if (inner.includes(subject)) n++;
    }
    return n;
  };
  await expect.poll(ours).toBe(1);
  await page.waitForTimeout(500);
  expect(await ours()).toBe(1);
});

test('a message too large for the server is refused before it is built, and nothing is lost', async ({
  page,
  signInPage,
  composer,
}) => {
  const bobKey = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
  await signInPage.signIn();
  await importKeyText(page, bobKey.publicKey, 1);
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'bob@example.test');
  const encrypt = page.getByRole('switch', { name: 'Encrypt', exact: true });
  await expect(encrypt).toBeChecked();
  await composer.field('Subject').fill('too large');
  const requests: string[] = [];
  page.on('request', (r) => void requests.push(r.url()));
  // 60 MiB is 82 MiB in base64 lines, and 113 MiB once encrypted and armored: the backend sends up to 100 MiB.
  await composer.attachMade('huge.bin', 60 * 1024 * 1024);
  const told =
    'With its attachments this message is at least 112.9 MiB encrypted, and the mail server sends messages of at most 100.0 MiB. Remove attachments to send it.';
  await expect(composer.alert()).toHaveText(`Too large to send. ${told}`);
  await composer.send().click();
  await expect(composer.alert()).toHaveText(`Not sent. ${told}`);
  await expect(page.getByRole('status')).not.toContainText(/Encrypting|Building|Uploading/);
  expect(requests.filter((url) => url.includes('/jmap/upload/'))).toEqual([]);
  await expect(composer.chip('bob@example.test')).toBeVisible();
  await expect(composer.field('Subject')).toHaveValue('too large');
  // Unencrypted it fits: the stale failure goes with the choice it was about.
  await encrypt.click();
  await expect(encrypt).not.toBeChecked();
  await expect(composer.alert()).toHaveCount(0);
  await encrypt.click();
  await expect(composer.alert()).toHaveText(`Too large to send. ${told}`);
  await page.getByRole('button', { name: 'Remove attachment huge.bin' }).click();
  await expect(composer.alert()).toHaveCount(0);
});

test('Send pressed before the address parser has arrived waits for it: the addresses typed are what it checks', async ({
  page,
  signInPage,
  composer,
}) => {
  // The parser is not part of the start-up code; here it arrives only after Send was pressed.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/assets\/recipient-parser-[^/]*\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  await signInPage.signIn();
  await composer.addRecipients('To', 'bob@example.test, not an address');
  await composer.send().click();
  await page.waitForTimeout(300);
  release();
  await expect(composer.alert()).toHaveText(
    'Not sent: "not an address" is not a valid e-mail address. Fix or remove it to send.',
  );
  await expect(composer.chip('bob@example.test')).toBeVisible();
});

test('when the query layer cannot be downloaded, the chips say their look-ups failed and Send says why; the next change tries again', async ({
  page,
  signInPage,
  composer,
}) => {
  // TanStack Query is not part of the start-up code: the composer is usable without it.
  const chunk = await unreachableChunk(page, 'query-layer-impl', false);
  const bobKey = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
  await signInPage.signIn();
  await importKeyText(page, bobKey.publicKey, 1);
  chunk.offline = true;
  await page.goto('/#/compose');
  await page.reload();
  await composer.field('Subject').fill('kept');
  await composer.addRecipients('To', 'bob@example.test');
  const bob = composer.chip('bob@example.test');
  await expect(bob).toHaveAttribute('data-key-status', 'error');
  await expect(bob).toHaveAttribute('data-transport', 'unknown');
  await expect(page.locator('[data-summary-recipient="bob@example.test"]')).toHaveAttribute(
    'data-transport',
    'unknown',
  );
  await composer.send().click();
  await expect(composer.alert()).toHaveText(/^Not sent\. Part of the app could not be loaded from the server/);
  await expect(composer.field('Subject')).toHaveValue('kept');

  // Back online: a change in another field brings the code, and every chip's look-up runs.
  chunk.offline = false;
  await composer.addRecipients('Cc', 'carol@example.test');
  await expect(bob).toHaveAttribute('data-key-status', 'valid');
  await expect(bob).toHaveAttribute('data-key-source', 'keystore');
  await expect(bob).toHaveAttribute('data-transport', 'local');
  await expect(composer.chip('carol@example.test')).toHaveAttribute('data-transport', 'local');
  await expect(page.locator('[data-summary-recipient="carol@example.test"]')).toHaveAttribute(
    'data-transport',
    'local',
  );
  await expect(composer.field('Subject')).toHaveValue('kept');
});

test('when the passphrase dialog cannot be downloaded, Send says why and keeps the message; the next Send asks again', async ({
  page,
  signInPage,
  composer,
}) => {
  const chunk = await unreachableChunk(page, 'unlock-dialog');
  await signInPage.signIn();
  await generateAndBindKey(page, { email: 'alice@example.test', passphrase: 'dialog offline pass' });
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'bob@example.test');
  await composer.field('Subject').fill('signed, kept');
  await expect(page.getByRole('switch', { name: 'Sign', exact: true })).toBeChecked();
  await composer.send().click();
  await expect(composer.alert()).toHaveText(/^Not sent\. Part of the app could not be loaded from the server/);
  await expect(composer.field('Subject')).toHaveValue('signed, kept');
  chunk.offline = false;
  await composer.send().click();
  await expect(page.getByRole('dialog').getByLabel('Passphrase', { exact: true })).toBeVisible();
});

test('a view that cannot be downloaded says so; Try again loads it, and the composer keeps what was typed', async ({
  page,
  signInPage,
  composer,
}) => {
  const chunk = await unreachableChunk(page, 'keys-view');
  await signInPage.signIn();
  await composer.field('Subject').fill('typed before');
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText(
    'This view failed to show: Part of the app could not be loaded from the server',
  );
  chunk.offline = false;
  await page.getByRole('button', { name: 'Try again', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Keys', exact: true })).toBeVisible();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(composer.field('Subject')).toHaveValue('typed before');
});
