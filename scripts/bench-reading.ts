/**
 * Reading benchmark (issue 13): opening a large encrypted and signed PGP/MIME message in the built
 * app, against the embedded backend, in Debian's Chromium. For each size it delivers a message
 * (gpg-style combined encryption+signature, one attachment) to Bob, then clicks it in the Inbox
 * and measures until the reader shows `encrypted` and `valid`; side by side, `gpg --decrypt` of
 * the same message in the same run. It also records the page's main-thread long tasks (> 50 ms)
 * while the message opens, and the peak memory of Chromium's processes above idle, each run in a fresh
 * browser context (so what one opening left for the garbage collector does not count against the next).
 * BENCH_KINDS=plain,signed also opens the same attachment in an unencrypted message and in a
 * PGP/MIME signed-only one (no gpg column for those).
 * Run: npm run bench:read   (BENCH_SIZES=1,10 in MB; BENCH_RUNS=3 runs each, median)
 */
import type { Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { chromiumPeakSampler, chromiumPid, chromiumRssKiB, launchBenchChromium, startBenchApp } from './bench-lib';
import { deliverRaw, embedded, importKeyText, SignInPage } from '../e2e/fixtures';

const SIZES = (process.env.BENCH_SIZES ?? '1,10').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
type Kind = 'encrypted' | 'plain' | 'signed';
const KINDS = (process.env.BENCH_KINDS ?? 'encrypted').split(',') as Kind[];
/** What the reader must show for each kind (data-encryption / data-signature). */
const SHOWN: Record<Kind, [string, string]> = {
  encrypted: ['encrypted', 'valid'],
  plain: ['none', 'unsigned'],
  signed: ['none', 'valid'],
};
const PASS = 'bench reading passphrase';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const CRLF = (s: string) => s.replace(/\r?\n/g, '\r\n');

const [alice, bob] = await Promise.all(
  ['alice', 'bob'].map((name) =>
    openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name, email: `${name}@example.test` }],
      passphrase: PASS,
      format: 'armored',
    }),
  ),
);
const alicePrivate = await openpgp.decryptKey({
  privateKey: await openpgp.readPrivateKey({ armoredKey: alice!.privateKey }),
  passphrase: PASS,
});
const bobPublic = await openpgp.readKey({ armoredKey: bob!.publicKey });

/**
 * A message with one attachment as Thunderbird or gpg would send it: PGP/MIME, signed and encrypted
 * in one pass (or signed only, or neither).
 */
async function messageOf(megabytes: number, subject: string, kind: Kind = 'encrypted'): Promise<string> {
  const attachment = new Uint8Array(megabytes * 1024 * 1024);
  for (let i = 0; i < attachment.length; i += 65536) crypto.getRandomValues(attachment.subarray(i, i + 65536));
  const base64 = Buffer.from(attachment).toString('base64').replace(/.{76}/g, '$&\r\n');
  const payload =
    CRLF(
      `Content-Type: multipart/mixed; boundary="P"; protected-headers="v1"\nSubject: ${subject}\nFrom: alice@example.test\nTo: bob@example.test\n\n--P\nContent-Type: text/plain; charset=utf-8\n\nThe file is attached.\n--P\nContent-Type: application/octet-stream; name="big.bin"\nContent-Disposition: attachment; filename="big.bin"\nContent-Transfer-Encoding: base64\n\n`,
    ) + `${base64}\r\n--P--\r\n`;
  const dated = `Date: ${new Date().toUTCString()}\nMessage-ID: <bench-${Date.now()}-${Math.random()}@example.test>\nMIME-Version: 1.0\n`;
  // The payload's own header section names sender, recipient and subject.
  if (kind === 'plain') return CRLF(dated) + payload;
  if (kind === 'signed') {
    const signature = (await openpgp.sign({
      message: await openpgp.createMessage({ text: payload }),
      signingKeys: alicePrivate,
      detached: true,
    })) as string;
    return (
      CRLF(
        `From: alice@example.test\nTo: bob@example.test\nSubject: ${subject}\n${dated}Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="S"\n\n--S\n`,
      ) +
      payload +
      CRLF(`\n--S\nContent-Type: application/pgp-signature\n\n${signature.trim()}\n--S--\n`)
    );
  }
  const armored = (await openpgp.encrypt({
    message: await openpgp.createMessage({ text: payload }),
    encryptionKeys: bobPublic,
    signingKeys: alicePrivate,
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed },
  })) as string;
  return CRLF(
    `From: alice@example.test\nTo: bob@example.test\nSubject: ...\nDate: ${new Date().toUTCString()}\nMessage-ID: <bench-${Date.now()}-${Math.random()}@example.test>\nMIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--E\nContent-Type: application/octet-stream\n\n${armored.trim()}\n--E--\n`,
  );
}

// gpg holds Bob's secret key and Alice's public key, as the app does.
const gnupgHome = mkdtempSync(join(tmpdir(), 'bench-read-gpg-'));
const gpgArgs = ['--batch', '--homedir', gnupgHome, '--pinentry-mode', 'loopback', '--passphrase', PASS];
for (const armored of [bob!.privateKey, alice!.publicKey])
  execFileSync('gpg', [...gpgArgs, '--import'], { input: armored, stdio: ['pipe', 'ignore', 'ignore'] });
const gpgVersion = execFileSync('gpg', ['--version']).toString().split('\n')[0];

/** gpg's time to decrypt and verify the encrypted part of `raw` (the armored block). */
function gpgSeconds(raw: string): number {
  const armored = raw.slice(raw.indexOf('-----BEGIN PGP MESSAGE-----'), raw.indexOf('-----END PGP MESSAGE-----') + 25);
  const file = join(gnupgHome, 'message.asc');
  writeFileSync(file, armored);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('gpg', [...gpgArgs, '--trust-model', 'always', '--decrypt', '-o', '/dev/null', file]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 || !/Good signature/.test(r.stderr.toString())) throw new Error(`gpg failed: ${r.stderr}`);
  return seconds;
}

async function openAndMeasure(page: Page, id: string, kind: Kind) {
  await page.getByRole('link', { name: 'Inbox', exact: true }).click();
  const listed = page.locator(`button[data-message-id="${id}"]`);
  await listed.waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; observer?: PerformanceObserver };
    w.longTasks = [];
    w.observer?.disconnect();
    w.observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration)));
    w.observer.observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  await listed.click();
  const article = page.locator(`[role="article"][data-message-id="${id}"]`);
  await article.locator('xpath=self::*[@data-encryption!="pending"]').waitFor({ timeout: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  const [encryption, signature] = await Promise.all([
    article.getAttribute('data-encryption'),
    article.getAttribute('data-signature'),
  ]);
  const [wantEncryption, wantSignature] = SHOWN[kind];
  if (encryption !== wantEncryption || signature !== wantSignature)
    throw new Error(`The reader shows ${encryption} / ${signature}, not ${wantEncryption} / ${wantSignature}`);
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  await page.getByRole('button', { name: 'Close message', exact: true }).click();
  return { seconds, longTasks };
}

const server = await startBenchApp({ corsOrigins: ['*'], prefillAccount: null });
const browser = await launchBenchChromium();
const browserPid = chromiumPid();

/** A reader in a fresh browser context, signed in as Bob with his key unlocked: each run starts from idle. */
async function freshReader() {
  const context = await browser.newContext({ baseURL: server.url, acceptDownloads: false });
  const page = await context.newPage();
  await new SignInPage(page).signIn(account);
  // Key server off: nothing but this machine is asked.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Key server', { exact: true }).fill('');
  await page.getByLabel('Key server', { exact: true }).blur();
  await importKeyText(page, bob!.privateKey, 1);
  await importKeyText(page, alice!.publicKey, 2);
  // Unlock once, on a small message, so the runs measure reading only.
  const first = await deliverRaw(account, await messageOf(0, 'unlock'));
  await page.getByRole('link', { name: 'Inbox', exact: true }).click();
  await page.locator(`button[data-message-id="${first}"]`).click();
  await page.getByRole('dialog').getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByRole('dialog').getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.locator(`[role="article"][data-encryption="encrypted"]`).waitFor();
  await page.getByRole('button', { name: 'Close message', exact: true }).click();
  return { context, page };
}

const account = embedded(server.url, 'bob');
try {
  gpgSeconds(await messageOf(0, 'warm-up')); // gpg-agent started, the passphrase cached: reading only is timed
  console.log(
    `\nReading benchmark — Chromium ${browser.version()} (built app, embedded backend) vs ${gpgVersion}, median of ${RUNS}\n`,
  );
  console.log(
    `${'kind'.padEnd(9)} ${'size'.padStart(6)} ${'app open s'.padStart(11)} ${'min–max'.padStart(12)} ${'gpg s'.padStart(7)} ${'gpg/app'.padStart(8)} ${'long tasks'.padStart(11)} ${'max ms'.padStart(7)} ${'peak +MB'.padStart(14)}`,
  );
  for (const kind of KINDS)
    for (const size of SIZES) {
      const app: number[] = [];
      const gpg: number[] = [];
      const tasks: number[] = [];
      const peaks: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const raw = await messageOf(size, `bench ${size} MB #${run}`, kind);
        const id = await deliverRaw(account, raw);
        if (kind === 'encrypted') gpg.push(gpgSeconds(raw));
        const reader = await freshReader();
        const idle = chromiumRssKiB(browserPid);
        const sampler = chromiumPeakSampler(browserPid, 100);
        let peak: number;
        try {
          const { seconds, longTasks } = await openAndMeasure(reader.page, id, kind);
          app.push(seconds);
          tasks.push(...longTasks);
        } finally {
          peak = sampler.stop();
          await reader.context.close();
        }
        peaks.push((peak - idle) / 1024);
      }
      const [gpgColumn, ratioColumn] = gpg.length
        ? [median(gpg).toFixed(2), (median(gpg) / median(app)).toFixed(2)]
        : ['—', '—'];
      console.log(
        `${kind.padEnd(9)} ${`${size} MB`.padStart(6)} ${median(app).toFixed(2).padStart(11)} ${`${Math.min(...app).toFixed(2)}–${Math.max(...app).toFixed(2)}`.padStart(12)} ${gpgColumn.padStart(7)} ${ratioColumn.padStart(8)} ${String(tasks.length).padStart(11)} ${String(Math.round(Math.max(0, ...tasks))).padStart(7)} ${`${median(peaks).toFixed(0)} (${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)})`.padStart(14)}`,
      );
    }
  console.log(
    '\nlong tasks: main-thread tasks over 50 ms while the message opened (all runs); peak +MB: Chromium above idle,\neach run in a fresh browser context (median, min–max).',
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(gnupgHome, { recursive: true, force: true });
}
