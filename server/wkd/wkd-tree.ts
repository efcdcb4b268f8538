import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { wkdLocation } from '../../src/core/discovery/wkd-url';

/** What the companion knows of a served file besides its bytes (kept outside the tree, so a copy of the tree is pure WKD). */
export type EntryMeta = { address: string; fingerprint: string; publishedAt: string; revokedAt: string | null };

export type WkdEntry = { bytes: Uint8Array; meta: EntryMeta | null };

const POLICY = '# Policy flags for domain %s (draft-koch-openpgp-webkey-service §4.5); none are set.\n';

/** Write through a temporary file and a rename, so a reader never sees half a key. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, data, { mode: 0o644 });
  renameSync(temporary, path);
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * A web key directory on disk in GnuPG's layout (`gpg-wks-client --install-key -C <root>`):
 * `<root>/<domain>/hu/<z-base-32 hash>` holding the binary key, and `<root>/<domain>/policy`. Any web
 * server can serve a copy of `<root>`. Metadata (which fingerprint, when revoked) lives in `metaRoot`.
 */
export function createWkdTree(options: { root: string; metaRoot: string; revokedTtlMs: number; now?: () => Date }) {
  const now = options.now ?? (() => new Date());
  const filePath = (domain: string, hash: string) => join(options.root, domain, 'hu', hash);
  const metaPath = (domain: string, hash: string) => join(options.metaRoot, domain, `${hash}.json`);

  /** The domain's policy file (created when missing), as it is on disk. */
  function ensurePolicy(domain: string): string {
    const path = join(options.root, domain, 'policy');
    const existing = readOrNull(path);
    if (existing) return existing.toString('utf8');
    const text = POLICY.replace('%s', domain);
    writeAtomically(path, text);
    return text;
  }

  function remove(domain: string, hash: string): boolean {
    const existed = readOrNull(filePath(domain, hash)) !== null;
    rmSync(filePath(domain, hash), { force: true });
    rmSync(metaPath(domain, hash), { force: true });
    return existed;
  }

  /** The served entry, or null; a revocation older than its time to live is removed first. */
  function read(domain: string, hash: string): WkdEntry | null {
    const bytes = readOrNull(filePath(domain, hash));
    if (!bytes) return null;
    const raw = readOrNull(metaPath(domain, hash));
    const meta = raw ? (JSON.parse(raw.toString('utf8')) as EntryMeta) : null;
    if (meta?.revokedAt && Date.parse(meta.revokedAt) + options.revokedTtlMs <= now().getTime()) {
      remove(domain, hash);
      return null;
    }
    return { bytes: new Uint8Array(bytes), meta };
  }

  return {
    root: options.root,
    ensurePolicy,
    read,
    async readAddress(address: string): Promise<WkdEntry | null> {
      const { domain, hash } = await wkdLocation(address);
      return read(domain, hash);
    },
    async write(
      address: string,
      bytes: Uint8Array,
      meta: Omit<EntryMeta, 'address'>,
    ): Promise<{ domain: string; hash: string }> {
      const { domain, hash } = await wkdLocation(address);
      ensurePolicy(domain);
      writeAtomically(filePath(domain, hash), bytes);
      writeAtomically(metaPath(domain, hash), JSON.stringify({ address: address.toLowerCase(), ...meta }));
      return { domain, hash };
    },
    async remove(address: string): Promise<boolean> {
      const { domain, hash } = await wkdLocation(address);
      return remove(domain, hash);
    },
  };
}

export type WkdTree = ReturnType<typeof createWkdTree>;
