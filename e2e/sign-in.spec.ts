import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApiToken, findAccountByUsername } from '../server/jmap/accounts';
import { dumpIndexedDb, embedded, expect, test } from './fixtures';

test('the form is pre-filled for the embedded backend and the session survives a reload until sign-out', async ({
  page,
  signInPage,
  baseURL,
}) => {
  await page.goto('/');
  await expect(signInPage.server()).toHaveValue(new URL('/.well-known/jmap', baseURL).href);
  await expect(signInPage.username()).toHaveValue('alice@example.test');
  await signInPage.submit().click();
  await expect(page.getByRole('heading', { name: 'Compose' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Compose' })).toBeVisible();
  const fresh = await page.context().newPage();
  await fresh.goto('/#/sent');
  await expect(fresh.getByRole('heading', { name: 'Sent' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(signInPage.submit()).toBeVisible();
  await page.reload();
  await expect(signInPage.submit()).toBeVisible();
});

test('nothing readable of the password is stored in the browser', async ({ page, signInPage }) => {
  await signInPage.signIn();
  await expect(page.getByRole('heading', { name: 'Compose' })).toBeVisible();
  const stored = `${await dumpIndexedDb(page)}${await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)}`;
  expect(stored).toContain('alice@example.test'); // the record exists...
  expect(stored).not.toContain('alice-pass'); // ...but the password is sealed
});

test('wrong password, unreachable server and non-JMAP URLs get specific alerts', async ({
  page,
  signInPage,
  baseURL,
}) => {
  // A web server that is not a JMAP server: HTML for one path, JSON of another kind elsewhere.
  const other = createServer((req, res) => {
    // It allows this app (CORS), so the browser can read what it answers.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Accept');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.url?.startsWith('/json'))
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"hello":"world"}');
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Not JMAP</title>');
  });
  await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  test.info().attach('non-JMAP server', { body: otherUrl });
  await signInPage.signIn({ ...embedded(baseURL!, 'alice'), password: 'wrong' });
  await expect(page.getByRole('alert')).toContainText('refused the user name or password');
  await signInPage.signIn({ ...embedded(baseURL!, 'alice'), server: 'http://127.0.0.1:9/.well-known/jmap' });
  await expect(page.getByRole('alert')).toContainText('could not be reached');
  for (const server of [`${otherUrl}/`, `${otherUrl}/json/session`]) {
    await signInPage.signIn({ ...embedded(baseURL!, 'alice'), server });
    await expect(page.getByRole('alert')).toContainText('did not answer as a JMAP server');
  }
  other.close();
  await signInPage.signIn({ ...embedded(baseURL!, 'alice'), server: 'not a url at all' });
  await expect(page.getByRole('alert')).toContainText('not a valid URL');
  await expect(signInPage.submit()).toBeVisible();
});

test('a server without the submission capability is refused', async ({ page, signInPage, baseURL }) => {
  await page.route('**/.well-known/jmap', async (route) => {
    const response = await route.fetch();
    const session = await response.json();
    delete session.capabilities['urn:ietf:params:jmap:submission'];
    await route.fulfill({ response, json: session });
  });
  await signInPage.signIn(embedded(baseURL!, 'alice'));
  await expect(page.getByRole('alert')).toContainText('does not offer what the composer needs');
});

test('signs in with a bearer token', async ({ page, signInPage, baseURL }) => {
  const db = new Database(join(process.env.E2E_DATA_DIR!, 'jmap.sqlite'));
  const token = createApiToken(db, findAccountByUsername(db, 'bob@example.test')!.id);
  db.close();
  await page.goto('/');
  await signInPage.server().fill(new URL('/', baseURL).href);
  await page.getByLabel('Sign-in method').selectOption('bearer');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await signInPage.submit().click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByLabel('From', { exact: true })).toContainText('bob@example.test');
});
