import { readFileSync } from 'node:fs';
import * as openpgp from 'openpgp';
import type { BrowserContext, Page } from '@playwright/test';
import { ComposerPage, expect, importKeyText, type SignInPage, test } from './fixtures';

const PEERS_DIR = process.env.PEERS_STATE_DIR ?? '/tmp/pgp-composer-peers';
const fingerprint = (name: string) => readFileSync(`${PEERS_DIR}/wkd/keys/${name}.fpr`, 'utf8').trim();

async function configure(page: Page, mode: 'browser' | 'auto') {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Key server', { exact: true }).fill('https://keys.wkd.test');
  await page.getByLabel('Look up WKD keys', { exact: true }).selectOption(mode);
  await expect(page.getByRole('switch', { name: 'Use WKD', exact: true })).toBeChecked();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
}

/** WKD serves a fresh key for `<local>@wkd.test`; the function returned makes it serve another one. */
async function serveKeyThatChanges(context: BrowserContext, local: string): Promise<() => void> {
  const keys = await Promise.all(
    [0, 1].map(() => openpgp.generateKey({ userIDs: [{ email: `${local}@wkd.test` }], format: 'binary' })),
  );
  let serve = keys[0]!.publicKey;
  await context.route('https://openpgpkey.wkd.test/.well-known/openpgpkey/wkd.test/hu/**', (route) =>
    route.request().url().includes(`l=${local}`)
      ? route.fulfill({
          body: Buffer.from(serve),
          contentType: 'application/octet-stream',
          headers: { 'Access-Control-Allow-Origin': '*' },
        })
      : route.continue(),
  );
  return () => void (serve = keys[1]!.publicKey);
}

/** Signed in, WKD from the browser, `<local>@wkd.test` added: its first key is pinned. */
async function pinFirstKey(
  page: Page,
  context: BrowserContext,
  signInPage: SignInPage,
  composer: ComposerPage,
  local: string,
) {
  const serveNewKey = await serveKeyThatChanges(context, local);
  await signInPage.signIn();
  await configure(page, 'browser');
  await composer.addRecipients('To', `${local}@wkd.test`);
  await expect(composer.chip(`${local}@wkd.test`)).toHaveAttribute('data-key-status', 'valid');
  const fingerprint = (await composer.chip(`${local}@wkd.test`).getAttribute('data-key-fingerprint'))!;
  return { fingerprint, serveNewKey };
}

test.describe('recipient key discovery against the GnuPG-built WKD and a VKS server', () => {
  test.skip(
    () => process.env.E2E_WKD !== 'ready',
    process.env.E2E_WKD?.replace(/^skip:/, '') ?? 'WKD peer not started',
  );

  for (const mode of ['browser', 'auto'] as const) {
    test(`every status shows on its chip (WKD ${mode === 'browser' ? 'from the browser' : 'through the server proxy'})`, async ({
      page,
      signInPage,
      composer,
    }) => {
      await signInPage.signIn();
      await configure(page, mode);
      const proxyRequests: string[] = [];
      page.on('request', (r) => void (new URL(r.url()).pathname.startsWith('/api/wkd') && proxyRequests.push(r.url())));
      await composer
        .field('To')
        .fill(
          'carol@wkd.test, frank@direct.test, vera@vks.test, gina@wkd.test, nobody@nowhere.test, limited@vks.test, ',
        );
      const chip = (address: string) => composer.chip(address);
      await expect(chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
      await expect(chip('carol@wkd.test')).toHaveAttribute('data-key-source', 'wkd');
      await expect(chip('carol@wkd.test')).toHaveAttribute('data-key-fingerprint', fingerprint('carol'));
      await expect(chip('frank@direct.test')).toHaveAttribute('data-key-status', 'valid');
      await expect(chip('frank@direct.test')).toHaveAttribute('data-key-fingerprint', fingerprint('frank'));
      await expect(chip('vera@vks.test')).toHaveAttribute('data-key-status', 'valid');
      await expect(chip('vera@vks.test')).toHaveAttribute('data-key-source', 'vks');
      await expect(chip('gina@wkd.test')).toHaveAttribute('data-key-status', 'invalid');
      await expect(chip('nobody@nowhere.test')).toHaveAttribute('data-key-status', 'none');
      await expect(chip('limited@vks.test')).toHaveAttribute('data-key-status', 'error');
      // Some recipients lack a key: encryption is not switched on by itself.
      await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
      // Through the proxy, recipients added together cost one request; from the browser, none.
      expect(proxyRequests).toEqual(
        mode === 'auto' ? [expect.stringMatching(/\/api\/wkd\/batch\?(address=[^&]+&){5}address=[^&]+$/)] : [],
      );
    });
  }

  test('a key from the keystore reports keystore; the key details open by keyboard and explain failures', async ({
    page,
    signInPage,
    composer,
  }) => {
    const { publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'Kim', email: 'kim@example.test' }] });
    await signInPage.signIn();
    await configure(page, 'browser');
    await importKeyText(page, publicKey, 1);
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await composer.addRecipients('To', 'kim@example.test');
    await expect(composer.chip('kim@example.test')).toHaveAttribute('data-key-source', 'keystore');
    // Every recipient has a key: encryption turns on by itself (a setting).
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();

    await composer.addRecipients('Cc', 'limited@vks.test');
    const icon = page.getByRole('button', { name: /^Key lookup failed.*\(limited@vks\.test\)$/ });
    await icon.focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('region', { name: 'Key details for limited@vks.test' });
    await expect(details).toContainText('HTTP 429');
    await expect(details.getByRole('button', { name: 'Retry look-up' })).toBeVisible();
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
  });

  test('with encryption on, a recipient without a key blocks Send and names the choices; no silent plaintext', async ({
    page,
    signInPage,
    composer,
  }) => {
    await signInPage.signIn();
    await configure(page, 'browser');
    await composer.addRecipients('To', 'carol@wkd.test');
    await expect(composer.chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
    await composer.addRecipients('To', 'nobody@nowhere.test');
    await expect(composer.chip('nobody@nowhere.test')).toHaveAttribute('data-key-status', 'none');
    await page.getByRole('switch', { name: 'Encrypt', exact: true }).check();
    await composer.send().click();
    await expect(composer.alert()).toContainText('no usable key for nobody@nowhere.test');
    await expect(page.getByText('No usable key yet for nobody@nowhere.test.')).toBeVisible();
    // Removing them keeps the recipients with a key.
    await page.getByRole('button', { name: 'Remove recipients without a key' }).click();
    await expect(composer.chip('nobody@nowhere.test')).toHaveCount(0);
    await expect(composer.chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    await expect(page.getByText('Every recipient has a key.')).toBeVisible();
    // Or encryption is turned off, explicitly.
    await composer.addRecipients('To', 'nobody@nowhere.test');
    await composer.send().click();
    await expect(composer.alert()).toContainText('no usable key for nobody@nowhere.test');
    await page.getByRole('button', { name: 'Turn encryption off for this message' }).click();
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
  });

  test('before an encrypted send, a stored key that expired is refreshed from the key server; the extended key is used', async ({
    page,
    signInPage,
    composer,
  }) => {
    const past = new Date(Date.now() - 10 * 86400_000);
    const zed = await openpgp.generateKey({
      userIDs: [{ email: 'zed@elsewhere.example' }],
      keyExpirationTime: 86400,
      date: past,
      format: 'object',
    });
    const extended = await openpgp.reformatKey({
      privateKey: zed.privateKey,
      userIDs: [{ email: 'zed@elsewhere.example' }],
      keyExpirationTime: 0,
      format: 'armored',
    });
    const zedFingerprint = zed.publicKey.getFingerprint().toUpperCase();
    const bob = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
    const asked: string[] = [];
    await page.route(`https://keys.wkd.test/vks/v1/by-fingerprint/${zedFingerprint}`, (route) => {
      asked.push(route.request().url());
      return route.fulfill({
        body: extended.publicKey,
        contentType: 'application/pgp-keys',
        headers: { 'Access-Control-Allow-Origin': '*' },
      });
    });
    await signInPage.signIn();
    await importKeyText(page, zed.publicKey.armor(), 1);
    await importKeyText(page, bob.publicKey, 2);
    await configure(page, 'browser');
    await composer.addRecipients('To', 'bob@example.test, zed@elsewhere.example');
    await expect(composer.chip('zed@elsewhere.example')).toHaveAttribute('data-key-status', 'invalid');
    await expect(composer.chip('bob@example.test')).toHaveAttribute('data-key-status', 'valid');
    await page.getByRole('switch', { name: 'Encrypt', exact: true }).check();
    await composer.field('Subject').fill('to an extended key');
    await composer.send().click();
    await expect(composer.status()).toBeVisible();
    expect(asked).toHaveLength(1);
    await expect(composer.chip('zed@elsewhere.example')).toHaveCount(0); // the composer was cleared after sending
    await composer.addRecipients('To', 'zed@elsewhere.example');
    await expect(composer.chip('zed@elsewhere.example')).toHaveAttribute('data-key-status', 'valid');
  });

  test('a different key for a pinned address shows changed until the user decides', async ({
    page,
    context,
    signInPage,
    composer,
  }) => {
    const { fingerprint: firstFpr, serveNewKey } = await pinFirstKey(page, context, signInPage, composer, 'hank');
    // The domain now serves another key; Retry looks it up again at once.
    serveNewKey();
    await page.getByRole('button', { name: /\(hank@wkd\.test\)$/ }).click();
    await page.getByRole('button', { name: 'Retry look-up' }).click();
    await expect(composer.chip('hank@wkd.test')).toHaveAttribute('data-key-status', 'changed');
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
    await page.getByRole('button', { name: 'Keep old key' }).click();
    await expect(composer.chip('hank@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    await expect(composer.chip('hank@wkd.test')).toHaveAttribute('data-key-fingerprint', firstFpr);
  });

  test('the key pinned by a look-up survives leaving the page at once: after a reload, another key is changed', async ({
    page,
    context,
    signInPage,
    composer,
  }) => {
    const { fingerprint: firstFpr, serveNewKey } = await pinFirstKey(page, context, signInPage, composer, 'kurt');
    serveNewKey();
    await page.reload(); // at once: the pin was recorded a moment ago, and must not be lost
    await composer.addRecipients('To', 'kurt@wkd.test');
    // Within a day the pinned key is used without asking; Retry asks and finds the other key.
    await expect(composer.chip('kurt@wkd.test')).toHaveAttribute('data-key-fingerprint', firstFpr);
    await page.getByRole('button', { name: /\(kurt@wkd\.test\)$/ }).click();
    await page.getByRole('button', { name: 'Retry look-up' }).click();
    await expect(composer.chip('kurt@wkd.test')).toHaveAttribute('data-key-status', 'changed');
  });

  test('a key accepted in one tab is the one another tab shows, without a reload', async ({
    page,
    context,
    signInPage,
    composer,
  }) => {
    const { fingerprint: firstFpr, serveNewKey } = await pinFirstKey(page, context, signInPage, composer, 'ivy');

    // A second tab shows the key pinned by the first.
    const other = await context.newPage();
    const otherComposer = new ComposerPage(other);
    await other.goto('/'); // signed in already: the tabs share the session
    await otherComposer.addRecipients('To', 'ivy@wkd.test');
    await expect(otherComposer.chip('ivy@wkd.test')).toHaveAttribute('data-key-fingerprint', firstFpr);

    // The domain now serves another key; the first tab sees the change and accepts it.
    serveNewKey();
    await page.getByRole('button', { name: /\(ivy@wkd\.test\)$/ }).click();
    await page.getByRole('button', { name: 'Retry look-up' }).click();
    await expect(composer.chip('ivy@wkd.test')).toHaveAttribute('data-key-status', 'changed');
    await page.getByRole('button', { name: 'Accept new key' }).click();
    await expect(composer.chip('ivy@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    const secondFpr = await composer.chip('ivy@wkd.test').getAttribute('data-key-fingerprint');
    expect(secondFpr).not.toBe(firstFpr);
    // The other tab hears of the new pin and shows it (its answer was cached for minutes).
    await expect(otherComposer.chip('ivy@wkd.test')).toHaveAttribute('data-key-fingerprint', secondFpr!);
    await expect(otherComposer.chip('ivy@wkd.test')).toHaveAttribute('data-key-status', 'valid');
  });

  test('after a reload, recipients pinned earlier or with a stored key are not looked up on the network; new ones are', async ({
    page,
    signInPage,
    composer,
  }) => {
    const asked: string[] = [];
    page.on(
      'request',
      (r) =>
        void (
          /^https:\/\/(openpgpkey\.)?wkd\.test\/|^https:\/\/keys\.wkd\.test\//.test(r.url()) && asked.push(r.url())
        ),
    );
    const { publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'lena@wkd.test' }] });
    await signInPage.signIn();
    await configure(page, 'browser');
    await composer.addRecipients('To', 'carol@wkd.test');
    await expect(composer.chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    expect(asked.some((url) => url.includes('l=carol'))).toBe(true);
    await importKeyText(page, publicKey, 1);
    await page.getByRole('link', { name: 'Compose', exact: true }).click();

    await page.reload();
    // Idle composer: the look-up code is ready and the page knows which addresses have something stored.
    await page.waitForFunction(() => performance.getEntriesByName('compose-warm').length > 0);
    asked.length = 0;
    await composer.addRecipients('To', 'carol@wkd.test, lena@wkd.test, erin@wkd.test');
    await expect(composer.chip('carol@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    await expect(composer.chip('lena@wkd.test')).toHaveAttribute('data-key-source', 'keystore');
    await expect(composer.chip('erin@wkd.test')).toHaveAttribute('data-key-status', 'valid');
    expect(asked.filter((url) => !url.includes('l=erin'))).toEqual([]);
    expect(asked.some((url) => url.includes('l=erin'))).toBe(true);
  });

  test('removing a chip cancels its look-up', async ({ page, signInPage, composer }) => {
    // The domain's WKD host never answers (until released at the end, so teardown cannot hang).
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    await page.route('https://openpgpkey.slow.test/**', async (route) => {
      await held;
      await route.abort().catch(() => undefined);
    });
    const isSlow = (r: import('@playwright/test').Request) => r.url().startsWith('https://openpgpkey.slow.test/');
    await signInPage.signIn();
    await configure(page, 'browser');
    const requested = page.waitForEvent('request', { predicate: isSlow });
    await composer.addRecipients('To', 'someone@slow.test');
    await requested; // the look-up is on the wire
    await expect(composer.chip('someone@slow.test')).toHaveAttribute('data-key-status', 'pending');
    // Without cancellation the request would only end at the look-up's 5 s time limit.
    const aborted = page.waitForEvent('requestfailed', {
      predicate: (r) => isSlow(r) && /ABORTED/i.test(r.failure()?.errorText ?? ''),
      timeout: 3000,
    });
    await page.getByRole('button', { name: 'Remove someone@slow.test' }).click();
    await aborted;
    release();
  });
});
