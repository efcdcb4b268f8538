import PostalMime from 'postal-mime';
import { expect, headersOf, readMailbox, test, uniqueSubject } from './fixtures';

/** Real Cyrus IMAP 3.6 JMAP, reached cross-origin through the nginx front that answers CORS preflights. */
const CORS_PORT = Number(process.env.CYRUS_CORS_PORT ?? 28082);
const cyrus = (user: 'alice' | 'bob' | 'carol') => ({
  server: `http://127.0.0.1:${CORS_PORT}/.well-known/jmap`,
  username: `${user}@example.org`,
  password: `${user}-pass`,
});

test.describe('against a real Cyrus JMAP server', () => {
  test.skip(() => process.env.E2E_CYRUS !== 'ready', process.env.E2E_CYRUS?.replace(/^skip:/, '') ?? 'Cyrus peer not started');

  test('alice signs in to Cyrus and her message reaches bob’s Inbox, Bcc hidden, bytes unchanged', async ({ page, signInPage, composer }) => {
    const subject = uniqueSubject('Über Cyrus ✓');
    await signInPage.signIn(cyrus('alice'));
    await expect(composer.field('From')).toContainText('alice@example.org');
    await composer.addRecipients('To', 'Bob <bob@example.org>');
    await composer.addRecipients('Bcc', 'carol@example.org');
    await composer.field('Subject').fill(subject);
    await composer.field('Message').fill('Grüße über Cyrus.');
    await composer.attach('Ärger.bin', Buffer.from([0, 1, 2, 3, 254, 255]), 'application/octet-stream');
    await composer.send().click();
    await expect(composer.status()).toBeVisible();

    const bob = await readMailbox(cyrus('bob'));
    const delivered = await bob.raw(await bob.waitFor(subject));
    expect(headersOf(delivered)).not.toMatch(/carol@example\.org/);
    const parsed = await PostalMime.parse(delivered);
    expect(parsed.subject).toBe(subject);
    expect(parsed.attachments[0]?.filename).toBe('Ärger.bin');
    expect([...new Uint8Array(parsed.attachments[0]!.content as ArrayBuffer)]).toEqual([0, 1, 2, 3, 254, 255]);
    const carol = await readMailbox(cyrus('carol'));
    await carol.waitFor(subject); // Bcc delivered through the envelope

    // What alice's Sent mailbox holds is exactly what the browser built: Postfix/Cyrus only prepended trace headers.
    const alice = await readMailbox(cyrus('alice'));
    const sentRaw = await alice.raw(await alice.waitFor(subject, 'sent'));
    expect(delivered.endsWith(sentRaw.slice(sentRaw.indexOf('Content-Type:')))).toBe(true);
    expect((await alice.list('drafts')).filter((e) => e.subject === subject)).toHaveLength(0);

    await page.getByRole('link', { name: 'Sent', exact: true }).click();
    await expect(page.getByRole('button', { name: subject })).toBeVisible();
  });

  test('a wrong password for Cyrus gets a clear alert', async ({ page, signInPage }) => {
    await signInPage.signIn({ ...cyrus('alice'), password: 'nope' });
    await expect(page.getByRole('alert')).toContainText('refused the user name or password');
  });
});
