/**
 * Encryption benchmark (issue 5): encrypt+sign of a PGP/MIME payload of 1, 10 and 100 MB in the
 * app's crypto worker (production build, Debian's Chromium), side by side with
 * `gpg --encrypt --sign` on the same bytes in the same run, as a ratio of throughputs.
 * Rows: SEIPDv1 (v4 keys) and SEIPDv2/AES-GCM (v6 keys; gpg 2.2 has no SEIPDv2, so its row is
 * the same v1 run). Peak memory: the highest total RSS of Chromium's processes during the run.
 * Run: npm run bench:encrypt   (BENCH_SIZES=1,10 to pick sizes; BENCH_RUNS=3 runs each, median)
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { startAppServer } from '../server/app-server';
import { chromiumPid, chromiumRssKiB, launchBenchChromium } from './bench-lib';

const SIZES = (process.env.BENCH_SIZES ?? '1,10,100').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PASS = 'bench passphrase long';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A MIME-like payload: CRLF lines of base64, as an attachment would be inside the message. */
function payloadOf(megabytes: number): string {
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n';
  const head = 'Content-Type: application/octet-stream; name="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  return head + line.repeat(Math.ceil((megabytes * 1024 * 1024 - head.length) / line.length));
}

async function keysFor(version: 4 | 6) {
  const make = (email: string) =>
    openpgp.generateKey({
      type: version === 6 ? 'curve25519' : 'ecc',
      ...(version === 4 ? { curve: 'curve25519Legacy' as const } : {}),
      userIDs: [{ email }],
      passphrase: PASS,
      format: 'armored',
      config: { v6Keys: version === 6 },
    });
  const [alice, bob] = await Promise.all([make('alice@bench.example'), make('bob@bench.example')]);
  return { alice, bob };
}

// gpg: the same v4 keys, trusted, passphrase by loopback.
const gnupgHome = mkdtempSync(join(tmpdir(), 'bench-gpg-'));
const v4 = await keysFor(4);
const v6 = await keysFor(6);
const gpgArgs = [
  '--batch',
  '--homedir',
  gnupgHome,
  '--pinentry-mode',
  'loopback',
  '--passphrase',
  PASS,
  '--trust-model',
  'always',
];
for (const armored of [v4.alice.privateKey, v4.bob.publicKey])
  execFileSync('gpg', [...gpgArgs, '--import'], { input: armored, stdio: ['pipe', 'ignore', 'ignore'] });
const gpgVersion = execFileSync('gpg', ['--version']).toString().split('\n')[0];

function gpgSeconds(file: string): number {
  const out = `${file}.asc`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('gpg', [
    ...gpgArgs,
    '--armor',
    '--encrypt',
    '--sign',
    '-r',
    'bob@bench.example',
    '-r',
    'alice@bench.example',
    '-u',
    'alice@bench.example',
    '--yes',
    '-o',
    out,
    file,
  ]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`gpg failed: ${r.stderr}`);
  rmSync(out);
  return seconds;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
const server = await startAppServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  serve: 'dist',
  distDir: resolve('dist'),
  corsOrigins: ['*'],
  seedDemo: false,
  prefillAccount: null,
  wkdProxy: null,
});
const workerFile = readdirSync(resolve('dist/assets')).find((f) => /^crypto\.worker-.*\.js$/.test(f));
if (!workerFile) throw new Error('No crypto worker in dist/assets: run vite build first');
const browser = await launchBenchChromium();
const browserPid = chromiumPid();

try {
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
  }, `/assets/${workerFile}`);
  type Call = (path: string[], args: unknown[], transfer?: Transferable[]) => Promise<unknown>;

  const baseline = chromiumRssKiB(browserPid);
  console.log(
    `\nEncryption benchmark — Chromium ${browser.version()} (app worker, production build) vs ${gpgVersion}, median of ${RUNS}\n`,
  );
  console.log(
    `${'mode'.padEnd(18)} ${'size'.padStart(6)} ${'app s'.padStart(8)} ${'app MB/s'.padStart(9)} ${'gpg s'.padStart(8)} ${'gpg MB/s'.padStart(9)} ${'ratio'.padStart(6)} ${'peak RSS'.padStart(9)} ${'full msg s'.padStart(10)}`,
  );
  for (const [mode, keys] of [
    ['SEIPDv1 (v4 keys)', v4],
    ['SEIPDv2 GCM (v6)', v6],
  ] as const) {
    const fingerprint = (await openpgp.readKey({ armoredKey: keys.alice.publicKey })).getFingerprint().toUpperCase();
    await page.evaluate(
      ([secret, pass]) =>
        (window as unknown as { call: Call }).call(['crypto', 'unlockKey'], [secret, pass, 3_600_000]),
      [keys.alice.privateKey, PASS] as const,
    );
    for (const size of SIZES) {
      const file = join(gnupgHome, `payload-${size}.txt`);
      const payload = payloadOf(size);
      writeFileSync(file, payload);
      await page.evaluate(
        ({ n, line, head }) => {
          (window as unknown as { payload: string }).payload =
            head + line.repeat(Math.ceil((n * 1024 * 1024 - head.length) / line.length));
        },
        {
          n: size,
          line: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n',
          head: 'Content-Type: application/octet-stream; name="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
        },
      );
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, chromiumRssKiB(browserPid))), 100);
      const app: number[] = [];
      const gpg: number[] = [];
      const full: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        // The whole send preparation for a message with an attachment of this size: MIME, encrypt, sign, armor.
        full.push(
          await page.evaluate(
            async ({ n, recipients, signWith, identity }) => {
              const w = window as unknown as { call: Call };
              const content = new Uint8Array(n * 1024 * 1024);
              for (let i = 0; i < content.length; i += 65536) crypto.getRandomValues(content.subarray(i, i + 65536));
              const t0 = performance.now();
              const prepared = (await w.call(
                ['send', 'prepareMessage'],
                [
                  {
                    identity,
                    to: [{ name: null, address: 'bob@bench.example' }],
                    cc: [],
                    bcc: [],
                    subject: 'bench',
                    text: 'bench',
                    messageId: '<bench@bench.example>',
                    attachments: [{ name: 'big.bin', type: 'application/octet-stream', content }],
                    security: {
                      encrypt: true,
                      signWith,
                      recipientKeys: { 'bob@bench.example': recipients[0]!.armoredPublic },
                      ownKey: { address: 'alice@bench.example', armoredPublic: recipients[1]!.armoredPublic },
                      protectHeaders: true,
                    },
                  },
                  { now: Date.now() },
                ],
                [content.buffer],
              )) as { copies: { bytes: Blob }[] };
              if (!prepared.copies[0]?.bytes.size) throw new Error('no message');
              return (performance.now() - t0) / 1000;
            },
            {
              n: size,
              signWith: fingerprint,
              identity: { id: 'I', name: 'Alice', email: 'alice@bench.example' },
              recipients: [
                { armoredPublic: keys.bob.publicKey, address: 'bob@bench.example' },
                { armoredPublic: keys.alice.publicKey, address: 'alice@bench.example' },
              ],
            },
          ),
        );
        app.push(
          await page.evaluate(
            async ({ recipients, signWith }) => {
              const w = window as unknown as { call: Call; payload: string };
              const t0 = performance.now();
              const { armored } = (await w.call(
                ['crypto', 'encryptPayload'],
                [{ payload: w.payload, recipients, signWith }],
              )) as { armored: Uint8Array };
              const seconds = (performance.now() - t0) / 1000;
              if (new TextDecoder().decode(armored.subarray(0, 27)) !== '-----BEGIN PGP MESSAGE-----')
                throw new Error('no message');
              return seconds;
            },
            {
              recipients: [
                { armoredPublic: keys.bob.publicKey, address: 'bob@bench.example' },
                { armoredPublic: keys.alice.publicKey, address: 'alice@bench.example' },
              ],
              signWith: fingerprint,
            },
          ),
        );
        gpg.push(gpgSeconds(file));
      }
      clearInterval(sampler);
      const [a, g, f] = [median(app), median(gpg), median(full)];
      const mb = payload.length / 1024 / 1024;
      console.log(
        `${mode.padEnd(18)} ${`${size}MB`.padStart(6)} ${a.toFixed(2).padStart(8)} ${(mb / a).toFixed(1).padStart(9)} ${g.toFixed(2).padStart(8)} ${(mb / g).toFixed(1).padStart(9)} ${(g / a).toFixed(2).padStart(5)}× ${`${Math.round(peak / 1024)}MB`.padStart(9)} ${f.toFixed(2).padStart(10)}`,
      );
    }
  }
  console.log(
    `\nratio = app throughput / gpg throughput (goal ≥ 0.6× SEIPDv1, ≥ 0.8× SEIPDv2). peak RSS = all Chromium processes during that row (idle: ${Math.round(baseline / 1024)} MB).\nfull msg s = the app's whole send preparation in the worker for a message with an attachment of that size (MIME with base64, encrypt, sign, armor).`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(gnupgHome, { recursive: true, force: true });
}
