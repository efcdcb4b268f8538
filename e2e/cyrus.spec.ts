import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import PostalMime from 'postal-mime';
import { decryptWithAll, interopAvailability, scratch, verifyWithAll } from '../src/testing/interop';
import {
  cyrus,
  expect,
  generateAndBindKey,
  headersOf,
  importKeyText,
  readMailbox,
  storedPublicKey,
  test,
  uniqueSubject,
} from './fixtures';

test.describe('against a real Cyrus JMAP server', () => {
  test.skip(
    () => process.env.E2E_CYRUS !== 'ready',
    process.env.E2E_CYRUS?.replace(/^skip:/, '') ?? 'Cyrus peer not started',
  );

  test('alice signs in to Cyrus and her message reaches bob’s Inbox, Bcc hidden, bytes unchanged', async ({
    page,
    signInPage,
    composer,
  }) => {
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

  test('the answer to the submission is lost after Cyrus sent the message: Send again does not send it twice', async ({
    page,
    signInPage,
    composer,
  }) => {
    const subject = uniqueSubject('Lost answer');
    await signInPage.signIn(cyrus('alice'));
    await composer.addRecipients('To', 'bob@example.org');
    await composer.field('Subject').fill(subject);
    await composer.field('Message').fill('sent once');
    // The server carries out the submission, then the connection drops before the answer arrives.
    let dropped = false;
    await page.route('**/jmap/**', async (route) => {
      const body = route.request().postData() ?? '';
      if (dropped || !body.includes('"EmailSubmission/set"')) return route.continue();
      dropped = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await composer.send().click();
    await expect(composer.alert()).toContainText('may have been sent');
    await expect(composer.field('Subject')).toHaveValue(subject);
    await composer.send().click();
    await expect(composer.status()).toBeVisible();
    const bob = await readMailbox(cyrus('bob'));
    await bob.waitFor(subject);
    await page.waitForTimeout(1000); // a second copy, if any, would arrive through Postfix within this
    expect((await bob.list()).filter((e) => e.subject === subject)).toHaveLength(1);
    const alice = await readMailbox(cyrus('alice'));
    expect((await alice.list('sent')).filter((e) => e.subject === subject)).toHaveLength(1);
    expect((await alice.list('drafts')).filter((e) => e.subject === subject)).toHaveLength(0);
  });

  test('a wrong password for Cyrus gets a clear alert', async ({ page, signInPage }) => {
    await signInPage.signIn({ ...cyrus('alice'), password: 'nope' });
    await expect(page.getByRole('alert')).toContainText('refused the user name or password');
  });

  test('encrypted+signed and signed-only mail sent through Cyrus is read by gpg, sq, sqop, gosop and rnp', async ({
    page,
    signInPage,
    composer,
  }) => {
    test.skip(!interopAvailability().run, 'OpenPGP tools missing');
    test.setTimeout(90_000);
    const PASS = 'alice cyrus passphrase';
    const bob = (await openpgp.generateKey({
      userIDs: [{ name: 'Bob', email: 'bob@example.org' }],
      format: 'object',
    })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
    await signInPage.signIn(cyrus('alice'));
    await generateAndBindKey(page, { name: 'Alice Interop', email: 'alice@example.org', passphrase: PASS });
    await importKeyText(page, bob.publicKey.armor(), 2);

    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await expect(composer.field('From')).toHaveAttribute('data-key-status', 'valid');
    const aliceFingerprint = (await composer.field('From').getAttribute('data-key-fingerprint'))!;
    const subject = uniqueSubject('Über Cyrus, verschlüsselt ✓');
    await composer.addRecipients('To', 'bob@example.org');
    await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
    await composer.field('Subject').fill(subject);
    await composer.field('Message').fill('Grüße, nur für Bob.\nFrom here on: trailing space \n');
    await composer.attach('Anhang-ä.bin', Buffer.from([0, 1, 2, 254, 255]), 'application/octet-stream');
    await composer.send().click();
    await page.getByRole('dialog').getByLabel('Passphrase', { exact: true }).fill(PASS);
    await page.getByRole('dialog').getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(composer.status()).toBeVisible();

    // A signed-only message: encryption turned off explicitly, signing stays on.
    const signedSubject = uniqueSubject('Signiert über Cyrus');
    await composer.addRecipients('To', 'bob@example.org');
    await page.getByRole('switch', { name: 'Encrypt', exact: true }).uncheck();
    await expect(page.getByRole('switch', { name: 'Sign', exact: true })).toBeChecked();
    await composer.field('Subject').fill(signedSubject);
    await composer.field('Message').fill('Signed, not secret: Grüße.\n');
    await composer.send().click();
    await expect(composer.status()).toBeVisible();

    const s = scratch();
    try {
      const alicePublic = join(s.dir, 'alice.pub.asc');
      const bobSecret = join(s.dir, 'bob.sec.asc');
      writeFileSync(alicePublic, await storedPublicKey(page, aliceFingerprint));
      writeFileSync(bobSecret, bob.privateKey.armor());
      const bobBox = await readMailbox(cyrus('bob'));
      const encrypted = await bobBox.raw(await bobBox.waitFor('[...]'));
      expect(headersOf(encrypted)).toMatch(/multipart\/encrypted/);
      const file = join(s.dir, 'delivered.asc');
      writeFileSync(
        file,
        encrypted.slice(
          encrypted.indexOf('-----BEGIN PGP MESSAGE-----'),
          encrypted.indexOf('-----END PGP MESSAGE-----') + 25,
        ),
      );
      const results = decryptWithAll(s, {
        file,
        recipientSecret: bobSecret,
        signerPublic: alicePublic,
        signerFingerprint: aliceFingerprint,
      });
      for (const tool of ['gpg', 'sq', 'sqop', 'gosop', 'rnp']) {
        const parsed = await PostalMime.parse(results[tool]!);
        expect(parsed.subject, `${tool}: ${results[tool]!.slice(0, 200)}`).toBe(subject);
        expect(parsed.text, tool).toContain('Grüße, nur für Bob.');
        expect(parsed.attachments[0]?.filename, tool).toBe('Anhang-ä.bin');
      }

      const signed = await bobBox.raw(await bobBox.waitFor(signedSubject));
      const boundary = /boundary="([^"]+)"/.exec(headersOf(signed))![1]!;
      const start = signed.indexOf(`--${boundary}\r\n`) + boundary.length + 4;
      const part = signed.slice(start, signed.indexOf(`\r\n--${boundary}\r\n`, start));
      const signature = signed.slice(
        signed.indexOf('-----BEGIN PGP SIGNATURE-----'),
        signed.indexOf('-----END PGP SIGNATURE-----') + 27,
      );
      const data = join(s.dir, 'signed-part');
      writeFileSync(data, part);
      writeFileSync(`${data}.asc`, signature);
      expect(
        verifyWithAll(s, { dataFile: data, signerPublic: alicePublic, signerFingerprint: aliceFingerprint }),
      ).toEqual({ gpg: true, sq: true, sqop: true, gosop: true, rnp: true });
    } finally {
      s.cleanup();
    }
  });

  test('Cyrus’s limits: over Postfix’s SIZE is refused before upload; over the advisory attachments limit is sent with a warning', async ({
    page,
    signInPage,
    composer,
  }) => {
    test.setTimeout(120_000);
    const subject = uniqueSubject('Large through Cyrus');
    await signInPage.signIn(cyrus('alice'));
    await composer.addRecipients('To', 'bob@example.org');
    await composer.field('Subject').fill(subject);
    const uploads: string[] = [];
    page.on('request', (r) => void (r.url().includes('/jmap/upload/') && uploads.push(r.url())));
    // Postfix's message_size_limit is 50 MiB, announced as SIZE; 42 MiB is 57.5 MiB in base64 lines.
    await composer.attachMade('over-size.bin', 42 * 1024 * 1024);
    await expect(composer.alert()).toContainText('the mail server sends messages of at most 50.0 MiB');
    await composer.send().click();
    await expect(composer.alert()).toContainText('Not sent. With its attachments this message is at least 57.5 MiB');
    expect(uploads).toEqual([]);
    await page.getByRole('button', { name: 'Remove attachment over-size.bin' }).click();
    await expect(composer.alert()).toHaveCount(0);
    // Cyrus advertises 10 MiB of attachments per Email but imports and sends more: a warning, not a block.
    await composer.attachMade('over-advice.bin', 12 * 1024 * 1024);
    await expect(page.getByLabel('Attach files', { exact: true })).toHaveAccessibleDescription(
      'The attachments come to 12.0 MiB; the server says it takes at most 10.0 MiB per message, so it may refuse this one.',
    );
    await expect(composer.alert()).toHaveCount(0);
    await composer.send().click();
    await expect(composer.status()).toBeVisible({ timeout: 60_000 });
    const bob = await readMailbox(cyrus('bob'));
    expect((await bob.waitFor(subject)).size).toBeGreaterThan(12 * 1024 * 1024);
  });
});
