import { expect, test } from './fixtures';

const EXPECTED: Record<string, string> = {
  'ann@dane.test': 'dane',
  'ben@sts.test': 'mta-sts',
  'cat@sts-testing.test': 'mta-sts-testing',
  'dan@sts-redirect.test': 'opportunistic',
  'eve@plain.test': 'opportunistic',
  'fay@insecure.test': 'opportunistic',
  'gus@bogus.test': 'dnssec-bogus',
  'bob@example.test': 'local',
};

test.describe('transport status of recipient domains (real DNSSEC: Knot + Unbound)', () => {
  test.skip(
    () => process.env.E2E_DNS !== 'ready',
    process.env.E2E_DNS?.replace(/^skip:/, '') ?? 'DNSSEC peer not started',
  );

  test('each chip says what its domain promises, and the Delivery summary lists the unencrypted recipients', async ({
    page,
    signInPage,
    composer,
  }) => {
    await signInPage.signIn();
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    const summary = page.getByRole('region', { name: 'Delivery summary' });
    await expect(summary).toBeVisible();
    await composer.addRecipients('To', Object.keys(EXPECTED).join(', '));
    for (const [address, status] of Object.entries(EXPECTED))
      await expect(composer.chip(address), address).toHaveAttribute('data-transport', status);
    // No keys for these recipients: the message goes out without end-to-end encryption.
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).not.toBeChecked();
    for (const [address, status] of Object.entries(EXPECTED)) {
      const line = summary.locator(`[data-summary-recipient="${address}"]`);
      await expect(line, address).toHaveAttribute('data-transport', status);
    }
    await expect(summary.locator('[data-summary-recipient="ann@dane.test"]')).toContainText('DANE');
    await expect(summary.locator('[data-summary-recipient="ben@sts.test"]')).toContainText('MTA-STS');
    await expect(summary.locator('[data-summary-recipient="gus@bogus.test"]')).toContainText('DNSSEC failure');
    // The chip's details explain it in words.
    await composer.chip('dan@sts-redirect.test').getByRole('button').first().click();
    await expect(page.locator('[data-transport-details="opportunistic"]')).toContainText('redirects');
  });
});

test('without a companion the transport status is unknown, and the details say why', async ({
  page,
  signInPage,
  composer,
}) => {
  await signInPage.signIn();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  // The page now sees no companion: as when dist/ is served on its own.
  await page.route('**/api/companion', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.reload();
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'someone@plain.test');
  await expect(composer.chip('someone@plain.test')).toHaveAttribute('data-transport', 'unknown');
  await composer.chip('someone@plain.test').getByRole('button').first().click();
  await expect(page.locator('[data-transport-details="unknown"]')).toContainText('No companion server');
});
