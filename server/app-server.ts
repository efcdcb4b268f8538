import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { ViteDevServer } from 'vite';
import { DEMO_ACCOUNTS, localDomains, seedDemoAccounts, type DemoAccount } from './jmap/accounts';
import { openDatabase, type Db } from './jmap/db';
import { type AuthGuardLimits, createAuthGuard } from './jmap/auth-guard';
import { createHashPool } from './jmap/hash-pool';
import { createJmapHandler } from './jmap/http';
import { createTransportHandler, type TransportEnvConfig } from './transport/http';
import { DEFAULT_LIMITS, type ServerLimits } from './jmap/limits';
import { createWkdProxyHandler, type WkdProxyConfig } from './lookup/wkd-proxy';
import { wkdLocation } from '../src/core/discovery/wkd-url';
import { createPublicCheck } from './wkd/check-public';
import { createPublishApi } from './wkd/publish-api';
import { createPublishAuth } from './wkd/publish-auth';
import { createVksRelay } from './wkd/vks-relay';
import { createWkdServer } from './wkd/wkd-serve';
import { createWkdTree } from './wkd/wkd-tree';

export type AppServerOptions = {
  host: string;
  port: number;
  dataDir: string;
  /** `dist`: serve the production build; `dev`: Vite middleware with hot reload; `none`: JMAP only. */
  serve: 'dist' | 'dev' | 'none';
  distDir: string;
  corsOrigins: string[];
  seedDemo: boolean;
  /** Pre-fill the sign-in form with this demo account (the companion config tells the app). */
  prefillAccount: string | null;
  limits?: Partial<ServerLimits>;
  /** The WKD lookup proxy for domains without CORS; null turns it off. */
  wkdProxy: WkdProxyConfig | null;
  /**
   * Host names requests may name besides the listen address, localhost, 127.0.0.1, [::1] and the
   * WKD domains (ALLOWED_HOSTS): a name that rebinds to this machine is refused.
   */
  allowedHosts?: string[];
  /** Failed sign-in limits (AUTH_FAIL_LIMIT, AUTH_FAIL_WINDOW_S). */
  auth?: Partial<AuthGuardLimits>;
  /** Publishing: the companion's own web key directory and the key-server relay (README, "Publishing keys"). */
  publishing?: Partial<PublishingOptions>;
  /** Transport status of recipient domains (`/api/transport`); null turns it off. */
  transport?: TransportEnvConfig | null;
};

export type PublishingOptions = {
  /** Domains whose web key directory this server is (WKD_DOMAINS); default: the embedded backend's domains. */
  domains: string[] | null;
  /** The JMAP session resource that publishing credentials are checked against; default: this server's own. */
  sessionUrl: string | null;
  allowWildcard: boolean;
  revokedTtlDays: number;
  keyServerUrl: string;
};

const DEFAULT_PUBLISHING: PublishingOptions = {
  domains: null,
  sessionUrl: null,
  allowWildcard: false,
  revokedTtlDays: 30,
  keyServerUrl: 'https://keys.openpgp.org',
};

export type RunningAppServer = {
  server: Server;
  db: Db;
  url: string;
  createdDemo: DemoAccount[];
  close(): Promise<void>;
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Headers for the app's own pages: no framing, no referrer, scripts only from here. */
const APP_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:* http://[::1]:*; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function serveStatic(distDir: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const root = resolve(distDir);
  let file = normalize(join(root, decodeURIComponent(url.pathname)));
  // Inside the root only: a bare prefix test would let `<root>-old/…` through.
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(400).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html'); // single-page app fallback
  if (!existsSync(file)) {
    res.writeHead(503, { 'Content-Type': 'text/plain' }).end('The app is not built: run `npm run build`.');
    return;
  }
  const isAsset = file.includes(`${join(root, 'assets')}`);
  res.writeHead(200, {
    ...APP_SECURITY_HEADERS,
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

/** The host name a request names (no port, no IPv6 brackets), lowercase; null when there is none. */
function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return header.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
}

export async function startAppServer(options: AppServerOptions): Promise<RunningAppServer> {
  const db = openDatabase(join(options.dataDir, 'jmap.sqlite'));
  const createdDemo = options.seedDemo ? seedDemoAccounts(db) : [];
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const hashPool = createHashPool();
  const authGuard = createAuthGuard({ db, pool: hashPool, limits: options.auth ?? {} });
  const jmap = createJmapHandler({ db, limits, corsOrigins: options.corsOrigins, authGuard });
  const prefill = options.prefillAccount ? DEMO_ACCOUNTS.find((a) => a.username === options.prefillAccount) : undefined;
  const publishing = { ...DEFAULT_PUBLISHING, ...options.publishing };
  const wkdDomains = new Set((publishing.domains ?? [...localDomains(db)]).map((d) => d.toLowerCase()));
  const wkdTree = createWkdTree({
    root: join(options.dataDir, 'wkd'),
    metaRoot: join(options.dataDir, 'wkd-meta'),
    revokedTtlMs: publishing.revokedTtlDays * 86_400_000,
  });
  // The session URL defaults to this server's own, known once it listens (see below).
  let publishSessionUrl = publishing.sessionUrl ?? '';
  const auth = createPublishAuth({
    get sessionUrl() {
      return publishSessionUrl;
    },
    allowWildcard: publishing.allowWildcard,
  });
  const serveWkd = createWkdServer({ tree: wkdTree, domains: wkdDomains });
  const publishApi = createPublishApi({ tree: wkdTree, domains: wkdDomains, auth });
  const vksRelay = createVksRelay({ keyServerUrl: publishing.keyServerUrl, auth });
  const publicCheck = options.wkdProxy ? createPublicCheck({ proxy: options.wkdProxy, auth }) : null;
  const companionConfig = (ownOrigin: boolean) =>
    JSON.stringify({
      companion: 'pgp-composer',
      version: 1,
      jmapSessionPath: '/.well-known/jmap',
      // The demo password goes to the app's own pages only.
      signInDefaults: prefill && ownOrigin ? { username: prefill.username, password: prefill.password } : null,
      wkdProxyPath: options.wkdProxy ? '/api/wkd' : null,
      transportPath: options.transport ? '/api/transport' : null,
      wkdDomains: [...wkdDomains],
      // Relative when it is this server's own session resource: the app resolves it against its origin.
      publishSessionUrl: publishing.sessionUrl ?? '/.well-known/jmap',
      keyServerUrl: publishing.keyServerUrl,
    });
  const accountDomains = () => localDomains(db);
  const transport = options.transport
    ? createTransportHandler({ ...options.transport, isLocal: (domain) => accountDomains().has(domain) })
    : null;
  const wkdProxy = options.wkdProxy
    ? createWkdProxyHandler(options.wkdProxy, {
        domains: wkdDomains,
        async answer(address) {
          const entry = await wkdTree.readAddress(address);
          const url = (await wkdLocation(address)).advanced;
          return entry
            ? {
                status: 200,
                body: Buffer.from(entry.bytes),
                headers: { 'X-WKD-URL': url, 'X-WKD-Method': 'directory' },
              }
            : {
                status: 404,
                body: { outcome: 'not-found', url, detail: 'This server publishes no key for this address.' },
              };
        },
      })
    : null;

  const dataDir = resolve(options.dataDir);
  const insideDataDir = (path: string) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return true;
    }
    // Vite serves paths below the project folder, and `/@fs/<absolute path>` anywhere.
    const target = decoded.startsWith('/@fs/') ? resolve(decoded.slice(4)) : resolve(process.cwd(), `.${decoded}`);
    return target === dataDir || target.startsWith(dataDir + sep);
  };
  let vite: ViteDevServer | undefined;
  if (options.serve === 'dev') {
    const { createServer: createVite } = await import('vite');
    vite = await createVite({ server: { middlewareMode: true }, appType: 'spa' });
  }

  const allowedHosts = new Set(
    [
      options.host,
      'localhost',
      '127.0.0.1',
      '::1',
      ...[...wkdDomains].flatMap((d) => [d, `openpgpkey.${d}`]),
      ...(options.allowedHosts ?? []),
    ].map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')),
  );
  const server = createServer((req, res) => {
    // DNS rebinding: a page on evil.example whose name now points here must not reach this server.
    const host = hostOf(req.headers.host);
    if (host === null || !allowedHosts.has(host)) {
      res
        .writeHead(421, { 'Content-Type': 'text/plain' })
        .end(`This server does not answer for the host name "${req.headers.host ?? ''}" (ALLOWED_HOSTS).\n`);
      return;
    }
    void (async () => {
      if (await jmap(req, res)) return;
      if (serveWkd(req, res)) return;
      if (await publishApi(req, res)) return;
      if (await vksRelay(req, res)) return;
      if (publicCheck && (await publicCheck(req, res))) return;
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if ((path === '/api/wkd' || path === '/api/wkd/batch') && wkdProxy) {
        await wkdProxy(req, res);
      } else if (path === '/api/transport' && transport) {
        await transport(req, res);
      } else if (path === '/api/companion') {
        const origin = req.headers.origin;
        const ownOrigin =
          !origin || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
        res
          .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          .end(companionConfig(ownOrigin));
      } else if (vite) {
        // Vite serves the project folder: never the data folder (mail, password hashes) inside it.
        if (insideDataDir(path)) return void res.writeHead(404).end();
        vite.middlewares(req, res);
      } else if (options.serve === 'dist') {
        serveStatic(options.distDir, req, res);
      } else {
        res.writeHead(404).end();
      }
    })().catch((e: unknown) => {
      console.error('[server]', e);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`;
  publishSessionUrl ||= `${url}.well-known/jmap`;
  return {
    server,
    db,
    url,
    createdDemo,
    async close() {
      await vite?.close();
      jmap.closeStreams();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await hashPool.close();
      db.close();
    },
  };
}
