import { resolve } from 'node:path';
import { DEMO_ACCOUNTS } from './jmap/accounts';
import { startAppServer } from './app-server';
import { wkdProxyConfigFromEnv } from './lookup/wkd-proxy';
import { transportConfigFromEnv } from './transport/http';

/** `npm start`: the app and its embedded JMAP backend on one origin. Settings come from the environment. */
const env = process.env;
const serve = (env.SERVE ?? (process.argv.includes('--dev') ? 'dev' : 'dist')) as 'dist' | 'dev' | 'none';
const seedDemo = env.DEMO_ACCOUNTS !== '0';

const running = await startAppServer({
  host: env.HOST ?? '127.0.0.1',
  port: Number(env.PORT ?? 8080),
  dataDir: resolve(env.DATA_DIR ?? 'data'),
  serve,
  distDir: resolve(env.DIST_DIR ?? 'dist'),
  // Default: the app's own origin only (same-origin requests need no CORS headers).
  corsOrigins: (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  seedDemo,
  prefillAccount: seedDemo && env.PREFILL_DEMO !== '0' ? 'alice@example.test' : null,
  wkdProxy: env.WKD_PROXY === '0' ? null : wkdProxyConfigFromEnv(env),
  transport: env.TRANSPORT === '0' ? null : transportConfigFromEnv(env),
  allowedHosts: (env.ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean),
  auth: {
    ...(env.AUTH_FAIL_LIMIT ? { failLimit: Number(env.AUTH_FAIL_LIMIT) } : {}),
    ...(env.AUTH_FAIL_WINDOW_S ? { failWindowMs: Number(env.AUTH_FAIL_WINDOW_S) * 1000 } : {}),
  },
  publishing: {
    domains: env.WKD_DOMAINS
      ? env.WKD_DOMAINS.split(',')
          .map((d) => d.trim())
          .filter(Boolean)
      : null,
    sessionUrl: env.PUBLISH_JMAP_SESSION_URL || null,
    allowWildcard: env.PUBLISH_ALLOW_WILDCARD === '1',
    revokedTtlDays: Number(env.WKD_REVOKED_TTL_DAYS ?? 30),
    keyServerUrl: env.KEY_SERVER_URL || 'https://keys.openpgp.org',
  },
  limits: {
    ...(env.JMAP_MAX_RECIPIENTS ? { maxRecipients: Number(env.JMAP_MAX_RECIPIENTS) } : {}),
    ...(env.JMAP_MAX_UPLOAD ? { maxSizeUpload: Number(env.JMAP_MAX_UPLOAD) } : {}),
    ...(env.ACCOUNT_QUOTA_BYTES ? { accountQuota: Number(env.ACCOUNT_QUOTA_BYTES) } : {}),
  },
});

console.log(`\n  PGP composer is running:  ${running.url}`);
if (['0.0.0.0', '::'].includes(env.HOST ?? '') && !env.ALLOWED_HOSTS) {
  console.log('  Listening on every address: set ALLOWED_HOSTS to the names clients use (others are refused, 421).');
}
console.log(
  `  JMAP session resource:    ${running.url}.well-known/jmap   (data in ${resolve(env.DATA_DIR ?? 'data')})`,
);
if (seedDemo) {
  console.log(`  Demo accounts${running.createdDemo.length ? ' (created now)' : ''}:`);
  for (const a of DEMO_ACCOUNTS) {
    console.log(
      `    ${a.username.padEnd(22)} password ${a.password.padEnd(12)}${a.aliases.length ? ` alias ${a.aliases.join(', ')}` : ''}${a.maySend ? '' : ' (sending suspended)'}`,
    );
  }
  console.log('  Mail to other domains is kept in the outbox table; nothing leaves this machine.\n');
}

const stop = () => void running.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
