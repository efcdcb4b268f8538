/**
 * Regenerates docs/screenshot.png from a running app: `npm start`, then
 * `npx tsx scripts/screenshot.ts [http://127.0.0.1:8080/]`.
 */
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/';
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
await page.goto(url);
await page.getByRole('button', { name: 'Sign in' }).click();
const to = page.getByLabel('To', { exact: true });
await to.fill('Bob Demo <bob@example.test>, "Doe, Jane" <jane@example.test>, jane.doe@, ');
await page.getByLabel('Cc', { exact: true }).fill('carol@example.test,');
await page.getByLabel('Subject').fill('Quarterly numbers – Grüße aus Köln');
await page.getByLabel('Message').fill('Hi Bob,\n\nthe numbers are attached.\n\nAlice');
await page
  .getByLabel('Attach files')
  .setInputFiles({ name: 'Übersicht Q3.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
await page.getByLabel('Message').focus();
await page.screenshot({ path: 'docs/screenshot.png' });
await browser.close();
