import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import PostalMime from 'postal-mime';
import type { Page } from '@playwright/test';
import {
  ComposerPage,
  embedded,
  expect,
  generateAndBindKey,
  importKeyText,
  readMailbox,
  SignInPage,
  storedPublicKey,
  test,
  uniqueSubject,
} from './fixtures';

/**
 * Issue 16: a large outgoing message is written to a file of the origin-private file system (a
 * "spool") instead of Blobs, and the file goes once the message is sent. Checked in a profile on
 * disk, as users have one, and in Playwright's usual private context, where the spool falls back
 * to Blobs after its first 8 MiB: either way what arrives is byte for byte what was attached.
 */
const PASS = 'alice long passphrase';
const SIZE = 12 * 1024 * 1024;

/** Attach `SIZE` random bytes made in the page (handing them through the driver is slow); their SHA-256. */
async function attachRandom(page: Page, name: string): Promise<string> {
  const digest = await page.getByLabel('Attach files', { exact: true }).evaluate(
    async (input: HTMLInputElement, { name, size }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const files = new DataTransfer();
      files.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) =>
        b.toString(16).padStart(2, '0'),
      ).join('');
    },
    { name, size: SIZE },
  );
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText(name);
  return digest;
}

type SpoolWatch = { now: number; whileUploading: number };

/**
 * Counts the spool files every 20 ms, and at once when the composer starts uploading: `now`, and
 * the most seen while the composer said it was uploading or submitting (the send's own file, not
 * one of a draft saved meanwhile). A file is released only after its message is submitted, so a
 * count that began or ended in those stages saw the send's file. Calling it again starts over.
 */
async function watchSpool(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { spool?: SpoolWatch };
    const running = !!w.spool;
    w.spool = { now: 0, whileUploading: 0 };
    if (running) return;
    const sending = () =>
      /Uploading|Submitting/.test(
        Array.from(document.querySelectorAll('[role="status"]'), (e) => e.textContent ?? '').join(' '),
      );
    const count = async () => {
      const spool = w.spool!;
      const before = sending();
      try {
        const root = await navigator.storage.getDirectory();
        const directory = await root.getDirectoryHandle('outgoing-spool');
        let n = 0;
        for await (const name of (directory as unknown as { keys(): AsyncIterable<string> }).keys()) n += name ? 1 : 0;
        spool.now = n;
      } catch {
        spool.now = 0;
      }
      if (before || sending()) spool.whileUploading = Math.max(spool.whileUploading, spool.now);
    };
    const tick = async () => {
      await count();
      setTimeout(tick, 20);
    };
    // On a busy machine the upload of 12 MiB can be over between two timed counts.
    let wasSending = false;
    new MutationObserver(() => {
      const now = sending();
      if (now && !wasSending) void count();
      wasSending = now;
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
    void tick();
  });
}
const spoolFiles = (page: Page) => page.evaluate(() => (window as unknown as { spool: SpoolWatch }).spool);

const sha256 = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

async function sendLarge(page: Page, composer: ComposerPage, to: string, subject: string, name: string) {
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await composer.addRecipients('To', to);
  await expect(composer.chip(to)).toHaveAttribute('data-key-status', /^(valid|none|error)$/);
  await composer.field('Subject').fill(subject);
  const digest = await attachRandom(page, name);
  await composer.send().click();
  const dialog = page.getByRole('dialog');
  await Promise.race([
    composer.status().waitFor({ timeout: 60_000 }),
    dialog
      .getByLabel('Passphrase', { exact: true })
      .waitFor({ timeout: 60_000 })
      .then(async () => {
        await dialog.getByLabel('Passphrase', { exact: true }).fill(PASS);
        await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
      }),
  ]);
  await expect(composer.status()).toBeVisible({ timeout: 60_000 });
  return digest;
}

test('in a profile on disk, large encrypted and signed-only messages go through a spool file that is removed once sent', async ({
  playwright,
  launchOptions,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const profile = mkdtempSync(join(tmpdir(), 'spool-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, { ...launchOptions, baseURL: baseURL! });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const composer = new ComposerPage(page);
    const bob = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'object' });
    await new SignInPage(page).signIn();
    await generateAndBindKey(page, { email: 'alice@example.test', passphrase: PASS });
    await importKeyText(page, bob.publicKey.armor(), 2);
    await watchSpool(page);

    // Encrypted to bob and signed.
    const encryptedSubject = uniqueSubject('spool encrypted');
    const encryptedDigest = await sendLarge(page, composer, 'bob@example.test', encryptedSubject, 'big.bin');
    expect((await spoolFiles(page)).whileUploading).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await spoolFiles(page)).now, { timeout: 10_000 }).toBe(0);
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await expect(composer.field('From')).toHaveAttribute('data-key-status', 'valid');
    const alice = await openpgp.readKey({
      armoredKey: await storedPublicKey(page, (await composer.field('From').getAttribute('data-key-fingerprint'))!),
    });
    // Bob's mail all says "[...]" outside: the copy of this test is the large one whose inside says its subject.
    const bobBox = await readMailbox(embedded(baseURL!, 'bob'));
    let inner: Awaited<ReturnType<typeof PostalMime.parse>> | undefined;
    await expect
      .poll(
        async () => {
          for (const email of (await bobBox.list()).filter((e) => e.subject === '[...]' && e.size! > SIZE)) {
            const delivered = await bobBox.raw(email);
            const { data, signatures } = await openpgp
              .decrypt({
                message: await openpgp.readMessage({
                  armoredMessage: delivered.slice(
                    delivered.indexOf('-----BEGIN PGP MESSAGE-----'),
                    delivered.indexOf('-----END PGP MESSAGE-----') + 25,
                  ),
                }),
                decryptionKeys: bob.privateKey,
                verificationKeys: alice,
                expectSigned: true,
                format: 'binary',
              })
              .catch(() => ({ data: null, signatures: [] }));
            if (!data) continue;
            await expect(signatures[0]!.verified).resolves.toBe(true);
            const parsed = await PostalMime.parse(data as Uint8Array);
            if (parsed.subject === encryptedSubject) return (inner = parsed).subject;
          }
          return null;
        },
        { timeout: 30_000 },
      )
      .toBe(encryptedSubject);
    expect(sha256(inner!.attachments[0]!.content as ArrayBuffer)).toBe(encryptedDigest);

    // Signed only, to carol (no key): the signed part is spooled too.
    await watchSpool(page);
    const signedSubject = uniqueSubject('spool signed');
    const signedDigest = await sendLarge(page, composer, 'carol@example.test', signedSubject, 'signed.bin');
    expect((await spoolFiles(page)).whileUploading).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await spoolFiles(page)).now, { timeout: 10_000 }).toBe(0);
    const carolBox = await readMailbox(embedded(baseURL!, 'carol'));
    const raw = await carolBox.raw(await carolBox.waitFor(signedSubject));
    const boundary = /boundary="([^"]+)"/.exec(raw.slice(0, raw.indexOf('\r\n\r\n')))![1]!;
    // The signed part: from after the first delimiter line to the CRLF before the second.
    const partStart = raw.indexOf(`--${boundary}\r\n`) + boundary.length + 4;
    const signedPart = raw.slice(partStart, raw.indexOf(`\r\n--${boundary}\r\n`, partStart));
    const verified = await openpgp.verify({
      message: await openpgp.createMessage({ text: signedPart }),
      signature: await openpgp.readSignature({
        armoredSignature: raw.slice(
          raw.indexOf('-----BEGIN PGP SIGNATURE-----'),
          raw.indexOf('-----END PGP SIGNATURE-----') + 27,
        ),
      }),
      verificationKeys: alice,
      expectSigned: true,
    });
    await expect(verified.signatures[0]!.verified).resolves.toBe(true);
    const parsed = await PostalMime.parse(raw);
    expect(sha256(parsed.attachments[0]!.content as ArrayBuffer)).toBe(signedDigest);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('in a private context, a large unencrypted message arrives whole and leaves no spool file', async ({
  page,
  signInPage,
  composer,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await signInPage.signIn();
  await watchSpool(page);
  const subject = uniqueSubject('spool plain');
  const digest = await sendLarge(page, composer, 'carol@example.test', subject, 'plain.bin');
  await expect.poll(async () => (await spoolFiles(page)).now, { timeout: 10_000 }).toBe(0);
  const carolBox = await readMailbox(embedded(baseURL!, 'carol'));
  const parsed = await PostalMime.parse(await carolBox.raw(await carolBox.waitFor(subject)));
  expect(parsed.attachments[0]!.filename).toBe('plain.bin');
  expect(sha256(parsed.attachments[0]!.content as ArrayBuffer)).toBe(digest);
});
