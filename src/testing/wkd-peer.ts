/** Where the WKD peer (scripts/peers/wkd-start.sh) keeps its keys and CA, for Node-side tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const WKD_PEER_DIR = join(
  process.env.PEERS_STATE_DIR ?? process.env.WKD_STATE_DIR ?? '/tmp/pgp-composer-peers',
  'wkd',
);
export const WKD_HTTPS_PORT = Number(process.env.WKD_HTTPS_PORT ?? 28443);

export const wkdPeerState = (): { run: boolean; reason: string } => {
  const state = process.env.WKD_PEER ?? 'skip:WKD peer not started';
  return state === 'ready' ? { run: true, reason: '' } : { run: false, reason: state.replace(/^skip:/, '') };
};

export const peerKey = (name: string) => ({
  fingerprint: readFileSync(join(WKD_PEER_DIR, 'keys', `${name}.fpr`), 'utf8').trim(),
  armoredPublic: readFileSync(join(WKD_PEER_DIR, 'keys', `${name}.asc`), 'utf8'),
});

/** Host names of the peer mapped to loopback, as WKD_PROXY_HOST_MAP writes them. */
export const PEER_HOST_MAP = [
  `openpgpkey.wkd.test=127.0.0.1:${WKD_HTTPS_PORT}`,
  `wkd.test=127.0.0.1:${WKD_HTTPS_PORT}`,
  `direct.test=127.0.0.1:${WKD_HTTPS_PORT}`,
  'openpgpkey.direct.test=NXDOMAIN',
  'openpgpkey.nowhere.test=NXDOMAIN',
  'nowhere.test=NXDOMAIN',
].join(',');
