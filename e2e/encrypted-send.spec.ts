import * as openpgp from 'openpgp';
import PostalMime from 'postal-mime';
import {
  embedded,
  expect,
  generateAndBindKey,
  headersOf,
  importKeyText,
  readMailbox,
  recordTraffic,
  storedPublicKey,
  test,
  uniqueSubject,
} from './fixtures';

const PASS = 'alice long passphrase';

test('encrypted and signed in the browser: bob decrypts and verifies; no request ever carries the plaintext', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  const bob = (await openpgp.generateKey({
    userIDs: [{ name: 'Bob Demo', email: 'bob@example.test' }],
    format: 'object',
  })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
  const subject = uniqueSubject('Geheimer Plan ✓');
  const body = 'Der Schlüssel liegt unter der Matte. Unique body 7f3a9c.';
  const attachmentName = 'Plan-Überblick-7f3a9c.txt';
  const attachmentContent = 'attachment secret 7f3a9c';
  const traffic = await recordTraffic(page);

  await signInPage.signIn();
  // Alice's key, bound to her address; Bob's public key in her keystore.
  await generateAndBindKey(page, { email: 'alice@example.test', passphrase: PASS });
  await importKeyText(page, bob.publicKey.armor(), 2);

  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', 'bob@example.test');
  await expect(composer.chip('bob@example.test')).toHaveAttribute('data-key-source', 'keystore');
  await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
  await expect(page.getByRole('switch', { name: 'Sign', exact: true })).toBeChecked();
  await composer.field('Subject').fill(subject);
  await composer.field('Message').fill(body);
  await composer.attach(attachmentName, attachmentContent);
  await composer.send().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(composer.status()).toBeVisible();

  // What bob receives: PGP/MIME, the real subject only inside.
  const bobBox = await readMailbox(embedded(baseURL!, 'bob'));
  const delivered = await bobBox.waitFor('[...]').then((e) => bobBox.raw(e));
  expect(headersOf(delivered)).toMatch(/Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/);
  expect(headersOf(delivered)).toMatch(/^Autocrypt: addr=alice@example\.test;\s+prefer-encrypt=mutual;\s+keydata=/m); // may be folded
  const armored = delivered.slice(
    delivered.indexOf('-----BEGIN PGP MESSAGE-----'),
    delivered.indexOf('-----END PGP MESSAGE-----') + 25,
  );
  await expect(composer.field('From')).toHaveAttribute('data-key-status', 'valid');
  const aliceFingerprint = (await composer.field('From').getAttribute('data-key-fingerprint'))!;
  const alicePublic = { armoredPublic: await storedPublicKey(page, aliceFingerprint) };
  const { data, signatures } = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: armored }),
    decryptionKeys: bob.privateKey,
    verificationKeys: await openpgp.readKey({ armoredKey: alicePublic.armoredPublic }),
    expectSigned: true,
  });
  await expect(signatures[0]!.verified).resolves.toBe(true);
  const payload = await PostalMime.parse(data as string);
  expect(payload.subject).toBe(subject);
  expect(payload.text?.trim()).toBe(body);
  expect(payload.attachments[0]?.filename).toBe(attachmentName);

  // Security: nothing the user wrote, no passphrase and no secret key ever left the page.
  const { all, bodies } = traffic();
  // The recording does see request bodies: the uploaded ciphertext is in it.
  expect(bodies.some((r) => r.includes('/jmap/upload/') && r.includes('-----BEGIN PGP MESSAGE-----'))).toBe(true);
  for (const secret of [
    subject,
    'Geheimer Plan',
    body,
    'Unique body 7f3a9c',
    attachmentName,
    attachmentContent,
    PASS,
    'PRIVATE KEY BLOCK',
  ]) {
    expect(all, secret).not.toContain(secret);
  }
});
