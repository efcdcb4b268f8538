import * as openpgp from 'openpgp';
import { expect, importKeyText, test } from './fixtures';

/**
 * Issue 5: a 25 MB attachment does not freeze the page. The message is built, encrypted and signed
 * in the worker; the page only reads the file and hands bytes over. Long tasks are recorded from
 * Send to "Sent". The bound is loose on purpose (shared, noisy machines): work moved back to the
 * main thread takes seconds for 25 MB, far above it. `npm run bench:encrypt` prints the figures.
 */
test('sending an encrypted and signed 25 MB attachment keeps the page responsive', async ({
  page,
  signInPage,
  composer,
}) => {
  test.setTimeout(120_000);
  const bob = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
  await signInPage.signIn();
  await importKeyText(page, bob.publicKey, 1);
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'bob@example.test');
  await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
  await composer.field('Subject').fill('25 MB');
  // Made in the page: handing 25 MB through the test driver takes longer than the send itself.
  await page.getByLabel('Attach files', { exact: true }).evaluate((input: HTMLInputElement) => {
    const bytes = new Uint8Array(25 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const files = new DataTransfer();
    files.items.add(new File([bytes], 'big.bin', { type: 'application/octet-stream' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('big.bin');
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({
      type: 'longtask',
    });
  });
  await composer.send().click();
  await expect(composer.status()).toBeVisible({ timeout: 90_000 });
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  console.log(`long tasks during the 25 MB send (ms): ${longTasks.map((d) => Math.round(d)).join(', ') || 'none'}`);
  expect(Math.max(0, ...longTasks)).toBeLessThan(250);
});
