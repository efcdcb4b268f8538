/**
 * `npm run bench:send`: sending a message with a 25 MB attachment through the built app against
 * the embedded backend, in Debian's Chromium, three ways in one run:
 *   bare upload — the page POSTs a Blob the size of the unencrypted message to the JMAP upload URL;
 *   unencrypted — Send with Encrypt and Sign off, from the click to "Sent" as the page sees them;
 *   encrypted   — Send encrypted to Bob and signed by Alice (v4 keys, SEIPDv1), the same way.
 * Goals (issue 16): encrypted ≤ 1.5× unencrypted, unencrypted ≤ 2× bare upload. Also prints the
 * companion's peak RSS growth during each send (uploads stream to disk; 3× the message before).
 * Native reference, after the app's runs: gpg encrypting to both and signing (v4 keys, armored, no
 * compression) a MIME entity the size of the unencrypted message — what encrypting adds to the
 * unencrypted send's work at native speed, before the larger upload.
 * BENCH_RUNS=3 runs each (median, min–max); BENCH_MB=25 for another size.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import type { Page } from '@playwright/test';
import { launchBenchProfile, startBenchApp } from './bench-lib';
import { gpgBaseline, writeMimeEntity } from './bench-gpg';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MB = Number(process.env.BENCH_MB ?? 25);
const PASS = 'bench send passphrase';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

const scratch = mkdtempSync(join(tmpdir(), 'bench-send-'));
const attachment = join(scratch, 'big.bin');
writeFileSync(attachment, randomBytes(MB * 1024 * 1024));
const bob = await openpgp.generateKey({ userIDs: [{ email: 'bob@example.test' }], format: 'armored' });
// gpg's signer has the algorithms of the key the app generates for Alice (v4 Ed25519/X25519).
const gpgSigner = await openpgp.generateKey({
  type: 'ecc',
  curve: 'curve25519Legacy',
  userIDs: [{ email: 'alice@example.test' }],
  passphrase: PASS,
  format: 'armored',
});
const gpg = await gpgBaseline({
  signer: { secretKey: gpgSigner.privateKey, email: 'alice@example.test' },
  recipients: [
    { publicKey: bob.publicKey, email: 'bob@example.test' },
    { publicKey: null, email: 'alice@example.test' },
  ],
  passphrase: PASS,
});
const entity = join(scratch, 'message.eml');
writeMimeEntity(attachment, entity);

const app = await startBenchApp();
const browser = await launchBenchProfile({ baseURL: app.url });
const page = await browser.newPage();

/**
 * CPU time used on the whole machine so far (every process: browser, companion, anything else),
 * in seconds, from /proc/stat; null where there is none.
 */
function machineCpuSeconds(): number | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ
}

/**
 * Peak RSS growth of this process (the companion runs in it) while `work` runs, in MB, and the CPU
 * seconds the machine spent meanwhile (NaN without /proc/stat).
 */
async function withServerMemory<T>(work: () => Promise<T>): Promise<[T, number, number]> {
  const idle = process.memoryUsage().rss;
  const cpuBefore = machineCpuSeconds();
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    const cpuAfter = machineCpuSeconds();
    const cpu = cpuBefore === null || cpuAfter === null ? NaN : cpuAfter - cpuBefore;
    return [result, (Math.max(peak, process.memoryUsage().rss) - idle) / 1024 / 1024, cpu];
  } finally {
    clearInterval(sampler);
  }
}

async function compose(p: Page, subject: string, encrypt: boolean) {
  await p.getByRole('link', { name: 'Compose', exact: true }).click();
  await p.getByLabel('To', { exact: true }).fill('bob@example.test');
  await p.getByLabel('To', { exact: true }).press('Enter');
  await p.locator('[data-recipient="bob@example.test"][data-key-source="keystore"]').waitFor();
  await p.getByLabel('Subject', { exact: true }).fill(subject);
  for (const name of ['Encrypt', 'Sign']) {
    const toggle = p.getByRole('switch', { name, exact: true });
    if ((await toggle.isChecked()) !== encrypt) await toggle.click();
  }
  await p.getByLabel('Attach files', { exact: true }).setInputFiles(attachment);
  await p.getByRole('list', { name: 'Attachments' }).getByText('big.bin').waitFor();
}

/** Send, and the seconds from the click on Send to "Sent", as the page saw them (no driver overhead). */
async function send(p: Page): Promise<number> {
  await p.evaluate(() => {
    const w = window as unknown as { stages: [string, number][]; stageObserver?: MutationObserver };
    w.stages = [];
    w.stageObserver?.disconnect(); // one observer: each stage once
    document.addEventListener('click', () => w.stages.unshift(['click', performance.now()]), {
      capture: true,
      once: true,
    });
    const status = document.querySelector('.status-text')!;
    w.stageObserver = new MutationObserver(() => w.stages.push([status.textContent ?? '', performance.now()]));
    w.stageObserver.observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await p.getByRole('button', { name: 'Send', exact: true }).click();
  // The last message's "Sent" may still show: wait for this one's stages, then for its "Sent".
  await p.locator('.status-text', { hasNotText: /^Sent/ }).waitFor();
  await p.locator('.status-text', { hasText: /^Sent/ }).waitFor({ timeout: 300_000 });
  const stages = await p.evaluate(() => (window as unknown as { stages: [string, number][] }).stages);
  const clicked = stages[0]![1];
  if (process.env.BENCH_STAGES)
    console.log(stages.map(([name, at]) => `${Math.round(at - clicked)}ms ${name}`).join(' | '));
  const sent = stages.find(([name, at]) => at > clicked && name.startsWith('Sent'))!;
  return (sent[1] - clicked) / 1000;
}

/** The upload alone: a Blob of `size` bytes from the chosen file, POSTed from the page. */
async function bareUpload(p: Page, size: number): Promise<number> {
  await p.evaluate(() => {
    if (document.getElementById('bench-file')) return;
    const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-file', hidden: true });
    document.body.append(input);
  });
  await p.setInputFiles('#bench-file', attachment);
  return p.evaluate(async (bytes) => {
    const auth = `Basic ${btoa('alice@example.test:alice-pass')}`;
    const session = (await (await fetch('/.well-known/jmap', { headers: { Authorization: auth } })).json()) as {
      uploadUrl: string;
      primaryAccounts: Record<string, string>;
    };
    const url = session.uploadUrl.replace('{accountId}', session.primaryAccounts['urn:ietf:params:jmap:mail']!);
    const file = (document.getElementById('bench-file') as HTMLInputElement).files![0]!;
    const parts: Blob[] = [];
    for (let left = bytes; left > 0; left -= file.size) parts.push(file.slice(0, Math.min(left, file.size)));
    const body = new Blob(parts);
    const t0 = performance.now();
    const answer = await fetch(url, { method: 'POST', headers: { Authorization: auth }, body });
    if (answer.status !== 201) throw new Error(`upload ${answer.status}`);
    return (performance.now() - t0) / 1000;
  }, size);
}

try {
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page.getByRole('button', { name: 'Generate key', exact: true }).click();
  await page.getByLabel('Email', { exact: true }).fill('alice@example.test');
  await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('button', { name: 'Done', exact: true }).click();
  await page.getByRole('switch', { name: 'Use key for alice@example.test', exact: true }).check();
  await page.getByLabel('Key', { exact: true }).fill(bob.publicKey);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('button', { name: 'Add to keystore', exact: true }).click();
  await page.locator('[data-key-count="2"]').waitFor();

  // A first encrypted send unlocks Alice's key (the passphrase prompt is not timed).
  await compose(page, 'warm-up', true);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByRole('dialog').getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 300_000 });

  const rows: Record<string, { seconds: number[]; server: number[]; cpu: number[] }> = {
    'bare upload': { seconds: [], server: [], cpu: [] },
    unencrypted: { seconds: [], server: [], cpu: [] },
    'encrypted + signed': { seconds: [], server: [], cpu: [] },
    'gpg (reference)': { seconds: [], server: [], cpu: [] },
  };
  let messageBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    await compose(page, `plain ${run}`, false);
    const [plain, plainMemory, plainCpu] = await withServerMemory(() => send(page));
    rows.unencrypted!.seconds.push(plain);
    rows.unencrypted!.server.push(plainMemory);
    rows.unencrypted!.cpu.push(plainCpu);
    // The unencrypted message's size: base64 of the attachment plus its headers and text.
    messageBytes = Math.ceil((MB * 1024 * 1024) / 57) * 78 + 2000;
    const [bare, bareMemory, bareCpu] = await withServerMemory(() => bareUpload(page, messageBytes));
    rows['bare upload']!.seconds.push(bare);
    rows['bare upload']!.server.push(bareMemory);
    rows['bare upload']!.cpu.push(bareCpu);
    await compose(page, `encrypted ${run}`, true);
    const [encrypted, encryptedMemory, encryptedCpu] = await withServerMemory(() => send(page));
    rows['encrypted + signed']!.seconds.push(encrypted);
    rows['encrypted + signed']!.server.push(encryptedMemory);
    rows['encrypted + signed']!.cpu.push(encryptedCpu);
  }
  // After the app's runs, not between them: gpg's 47 MB output, written and removed, made the
  // unencrypted send that followed it a third slower on a 2-core VM.
  for (let run = 0; run < RUNS; run++) {
    const [native, , nativeCpu] = await withServerMemory(async () => gpg.encryptSignSeconds(entity));
    rows['gpg (reference)']!.seconds.push(native);
    rows['gpg (reference)']!.server.push(0);
    rows['gpg (reference)']!.cpu.push(nativeCpu);
  }
  console.log(
    `\nbench:send — ${MB} MB attachment, Chromium ${browser.version} (${browser.profile} profile), built app against the embedded backend; median (min–max) of ${RUNS}\n`,
  );
  // CPU: what the whole machine spent during each (the timing of the bare upload starts in the page,
  // its CPU with the call); cores busy = CPU seconds / seconds, of the cores this machine has.
  console.log(
    `${'way'.padEnd(20)} ${'seconds'.padStart(20)} ${'companion +MB'.padStart(14)} ${'CPU s'.padStart(7)} ${`cores busy (of ${availableParallelism()})`.padStart(21)}`,
  );
  for (const [name, r] of Object.entries(rows)) {
    const cpu = median(r.cpu);
    console.log(
      `${name.padEnd(20)} ${range(r.seconds).padStart(20)} ${median(r.server).toFixed(0).padStart(14)} ${cpu.toFixed(2).padStart(7)} ${(cpu / median(r.seconds)).toFixed(2).padStart(21)}`,
    );
  }
  const ratio = (a: string, b: string) => median(rows[a]!.seconds) / median(rows[b]!.seconds);
  console.log(
    `\nencrypted / unencrypted = ${ratio('encrypted + signed', 'unencrypted').toFixed(2)}× (goal ≤ 1.5×)\n` +
      `unencrypted / bare upload = ${ratio('unencrypted', 'bare upload').toFixed(2)}× (goal ≤ 2×; bare upload of ${(messageBytes / 1024 / 1024).toFixed(1)} MB)\n` +
      `(unencrypted + gpg) / unencrypted = ${(1 + ratio('gpg (reference)', 'unencrypted')).toFixed(2)}× — the unencrypted send, then encrypting at ${gpg.version}'s speed (${(statSync(entity).size / 1024 / 1024).toFixed(1)} MB entity)`,
  );
} finally {
  await browser.close();
  await app.close();
  gpg.close();
  rmSync(scratch, { recursive: true, force: true });
}
