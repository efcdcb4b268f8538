/**
 * Encryption benchmark (issues 5 and 16): the whole send preparation of a message with an
 * attachment of 1, 10 and 100 MB — attachment File → armored, signed PGP/MIME Blob — in the app's
 * crypto worker (production build, Debian's Chromium), side by side with
 * `gpg --encrypt --sign --armor --compress-algo none` of a MIME entity of the same size in the
 * same run. Rows: SEIPDv1 (v4 keys) and SEIPDv2/AES-GCM (v6 keys; gpg 2.2 has no SEIPDv2, so both
 * rows compare with the same gpg run). Memory: peak total RSS of Chromium's processes above the
 * idle page, each run in a fresh page.
 * Run: npm run bench:encrypt   (BENCH_SIZES=1,10 to pick sizes; BENCH_RUNS=3 runs each, median)
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWriteStream, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import * as openpgp from 'openpgp';
import { decryptWithAll, scratch } from '../src/testing/interop';
import { chromiumPeakSampler, chromiumPid, chromiumRssKiB, launchBenchProfile, startBenchApp } from './bench-lib';
import { gpgBaseline, writeMimeEntity } from './bench-gpg';

const SIZES = (process.env.BENCH_SIZES ?? '1,10,100').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PASS = 'bench passphrase long';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function keysFor(version: 4 | 6) {
  const make = (email: string) =>
    openpgp.generateKey({
      type: version === 6 ? 'curve25519' : 'ecc',
      ...(version === 4 ? { curve: 'curve25519Legacy' as const } : {}),
      userIDs: [{ email }],
      passphrase: PASS,
      format: 'armored',
      // As the app makes them: v6 keys advertise SEIPDv2 and AEAD suites.
      config: { v6Keys: version === 6, aeadProtect: version === 6 },
    });
  const [alice, bob] = await Promise.all([make('alice@bench.example'), make('bob@bench.example')]);
  return { alice, bob };
}

type Keys = Awaited<ReturnType<typeof keysFor>>;
const v4 = await keysFor(4);
const v6 = await keysFor(6);
// gpg: the same v4 keys.
const gpg = await gpgBaseline({
  signer: { secretKey: v4.alice.privateKey, email: 'alice@bench.example' },
  recipients: [
    { publicKey: v4.bob.publicKey, email: 'bob@bench.example' },
    { publicKey: null, email: 'alice@bench.example' },
  ],
  passphrase: PASS,
});
const gnupgHome = gpg.home;

/** An attachment of random bytes, and a MIME entity holding it for gpg. */
function filesFor(megabytes: number): { attachment: string; entity: string } {
  const attachment = join(gnupgHome, `attachment-${megabytes}.bin`);
  writeFileSync(attachment, randomBytes(megabytes * 1024 * 1024));
  const entity = join(gnupgHome, `entity-${megabytes}.eml`);
  writeMimeEntity(attachment, entity);
  return { attachment, entity };
}

const server = await startBenchApp({ seedDemo: false, prefillAccount: null });
const workerFile = readdirSync(resolve('dist/assets')).find((f) => /^crypto\.worker-.*\.js$/.test(f));
if (!workerFile) throw new Error('No crypto worker in dist/assets: run vite build first');
const browser = await launchBenchProfile();
const browserPid = chromiumPid();

type Call = (path: string[], args: unknown[], transfer?: Transferable[]) => Promise<unknown>;

/** A fresh page with the app's crypto worker, the signing key unlocked and the attachment chosen in a file input. */
async function pageWith(secret: string, attachment: string) {
  const page = await browser.newPage();
  await page.goto(new URL('/', server.url).href);
  // Speak Comlink's wire protocol to the app's own worker chunk: the same code path as the composer.
  await page.evaluate((url) => {
    const worker = new Worker(url, { type: 'module' });
    let next = 0;
    const waiting = new Map<string, (v: unknown) => void>();
    worker.onmessage = (e: MessageEvent<{ id: string; value: unknown }>) => waiting.get(e.data.id)?.(e.data.value);
    (window as unknown as { call: unknown }).call = (path: string[], args: unknown[], transfer: Transferable[] = []) =>
      new Promise((resolveCall, reject) => {
        const id = String(++next);
        waiting.set(id, (envelope) => {
          const e = envelope as { ok: boolean; value?: unknown; error?: unknown };
          if (e.ok) resolveCall(e.value);
          else reject(new Error(JSON.stringify(e.error)));
        });
        worker.postMessage(
          { id, type: 'APPLY', path, argumentList: args.map((value) => ({ type: 'RAW', value })) },
          transfer,
        );
      });
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    document.body.append(input);
  }, `/assets/${workerFile}`);
  await page.evaluate(
    ([key, pass]) => (window as unknown as { call: Call }).call(['crypto', 'unlockKey'], [key, pass, 3_600_000]),
    [secret, PASS] as const,
  );
  // A File from a file input: backed by the file on disk, as when the user attaches one.
  await page.setInputFiles('#bench-file', attachment);
  return page;
}

const range = (xs: number[], digits = 2) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

/**
 * The app's whole send preparation in the page's crypto worker for the attachment chosen in the
 * file input: seconds from the call to the Blob. With `postTo`, the message is POSTed there after.
 */
function prepareInPage(page: Page, keys: Keys, signWith: string, postTo?: string): Promise<number> {
  return page.evaluate(
    async ({ signWith, recipients, postTo }) => {
      const w = window as unknown as { call: Call };
      const file = (document.getElementById('bench-file') as HTMLInputElement).files![0]!;
      const t0 = performance.now();
      const prepared = (await w.call(
        ['send', 'prepareMessage'],
        [
          {
            identity: { id: 'I', name: 'Alice', email: 'alice@bench.example' },
            to: [{ name: null, address: 'bob@bench.example' }],
            cc: [],
            bcc: [],
            subject: 'bench',
            text: 'bench',
            messageId: '<bench@bench.example>',
            attachments: [{ name: file.name, type: 'application/octet-stream', content: file }],
            security: {
              encrypt: true,
              signWith,
              recipientKeys: { 'bob@bench.example': recipients.bob },
              ownKey: { address: 'alice@bench.example', armoredPublic: recipients.alice },
              protectHeaders: true,
            },
          },
          { now: Date.now() },
        ],
      )) as { copies: { bytes: Blob }[] };
      const seconds = (performance.now() - t0) / 1000;
      const message = prepared.copies[0]!.bytes;
      if (!(await message.slice(0, 4096).text()).includes('-----BEGIN PGP MESSAGE-----')) throw new Error('no message');
      // Without a content type the POST needs no CORS preflight.
      if (postTo) await fetch(postTo, { method: 'POST', body: message.slice() });
      // What the app does once a message is sent: its spool file goes.
      await (await navigator.storage.getDirectory()).removeEntry('outgoing-spool', { recursive: true }).catch(() => {});
      return seconds;
    },
    { signWith, recipients: { bob: keys.bob.publicKey, alice: keys.alice.publicKey }, postTo },
  );
}

/**
 * The message the app made for the largest attachment (v4 keys), read by gpg, sq, sqop, gosop and
 * rnp: each must check Alice's signature and give back the attachment byte for byte.
 */
async function readersCheck(size: number) {
  const { attachment } = filesFor(size);
  const received = join(gnupgHome, 'app-message.eml');
  const receiver = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'POST') return res.end();
    req.pipe(createWriteStream(received)).on('finish', () => res.end('ok'));
  }).listen(0, '127.0.0.1');
  await new Promise((ok) => receiver.once('listening', ok));
  const fingerprint = (await openpgp.readKey({ armoredKey: v4.alice.publicKey })).getFingerprint().toUpperCase();
  const page = await pageWith(v4.alice.privateKey, attachment);
  await prepareInPage(page, v4, fingerprint, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`);
  await page.close();
  receiver.close();
  const message = readFileSync(received, 'latin1');
  const armoredFile = join(gnupgHome, 'app-message.asc');
  writeFileSync(
    armoredFile,
    message.slice(message.indexOf('-----BEGIN PGP MESSAGE-----'), message.indexOf('-----END PGP MESSAGE-----') + 25),
    'latin1',
  );
  const bobSecret = join(gnupgHome, 'bob.sec.asc');
  const alicePublic = join(gnupgHome, 'alice.pub.asc');
  const bobKey = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: v4.bob.privateKey }),
    passphrase: PASS,
  });
  writeFileSync(bobSecret, bobKey.armor());
  writeFileSync(alicePublic, v4.alice.publicKey);
  const s = scratch();
  try {
    const results = decryptWithAll(s, {
      file: armoredFile,
      recipientSecret: bobSecret,
      signerPublic: alicePublic,
      signerFingerprint: fingerprint,
    });
    const expected = createHash('sha256').update(readFileSync(attachment)).digest('hex');
    const verdicts = Object.entries(results).map(([tool, text]) => {
      if (text.startsWith('FAILED')) return `${tool}: ${text.slice(0, 120)}`;
      // The attachment's base64 body: after its part header, up to the closing boundary. Some
      // tools write line ends as LF (text mode): compare the bytes the base64 stands for.
      const lines = text.replace(/\r\n/g, '\n');
      const start = lines.indexOf('\n\n', lines.indexOf('Content-Transfer-Encoding: base64')) + 2;
      const body = lines.slice(start, lines.indexOf('\n--', start)).replace(/\n/g, '');
      const digest = createHash('sha256').update(Buffer.from(body, 'base64')).digest('hex');
      return `${tool}: ${digest === expected ? 'signature good, attachment identical' : 'ATTACHMENT DIFFERS'}`;
    });
    console.log(
      `\nThe app's ${size} MB message (SEIPDv1, signed) read by the other implementations:\n  ${verdicts.join('\n  ')}`,
    );
  } finally {
    s.cleanup();
  }
}

try {
  console.log(
    `\nWhole-message encryption benchmark — Chromium ${browser.version} (${browser.profile} profile; app worker, production build) vs ${gpg.version}; median (min–max) of ${RUNS}\n` +
      'app: attachment File → armored, signed PGP/MIME Blob ready to upload (MIME, base64, encrypt, sign, armor).\n' +
      'gpg: gpg --encrypt --sign --armor --compress-algo none of a MIME entity of the same size, v4 keys.\n',
  );
  console.log(
    `${'mode'.padEnd(18)} ${'size'.padStart(6)} ${'app s'.padStart(18)} ${'gpg s'.padStart(18)} ${'speed vs gpg'.padStart(13)} ${'Chromium +MB'.padStart(16)} ${'× attachment'.padStart(12)}`,
  );
  for (const size of SIZES) {
    const { attachment, entity } = filesFor(size);
    const gpgRuns: number[] = [];
    for (let run = 0; run < RUNS; run++) gpgRuns.push(gpg.encryptSignSeconds(entity));
    for (const [mode, keys, goal] of [
      ['SEIPDv1 (v4 keys)', v4, 0.6],
      ['SEIPDv2 GCM (v6)', v6, 0.8],
    ] as const) {
      const fingerprint = (await openpgp.readKey({ armoredKey: keys.alice.publicKey })).getFingerprint().toUpperCase();
      const app: number[] = [];
      const memory: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const page = await pageWith(keys.alice.privateKey, attachment);
        const idle = chromiumRssKiB(browserPid);
        const sampler = chromiumPeakSampler(browserPid);
        app.push(await prepareInPage(page, keys, fingerprint));
        memory.push((sampler.stop() - idle) / 1024);
        await page.close();
      }
      const ratio = median(gpgRuns) / median(app);
      console.log(
        `${mode.padEnd(18)} ${`${size}MB`.padStart(6)} ${range(app).padStart(18)} ${range(gpgRuns).padStart(18)} ${`${ratio.toFixed(2)}× (≥${goal})`.padStart(13)} ${range(memory, 0).padStart(16)} ${(median(memory) / size).toFixed(2).padStart(12)}`,
      );
    }
  }
  if (process.env.BENCH_INTEROP !== '0') await readersCheck(Math.max(...SIZES));
  console.log(
    '\nspeed vs gpg = gpg time / app time on the same size (goal ≥ 0.6× with v4 keys, ≥ 0.8× with v6).\n' +
      'Chromium +MB = peak total RSS of every Chromium process above the idle page (goal ≤ 3× the attachment).',
  );
} finally {
  await browser.close();
  await server.close();
  gpg.close();
}
