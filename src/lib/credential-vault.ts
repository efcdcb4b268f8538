import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { JmapAuth } from '@/core/jmap/auth';

/**
 * Where the sign-in is kept so that it survives a reload (see README "How credentials are kept").
 *
 * Security: the record lives in this origin's IndexedDB (no cookie, so it is never sent with requests,
 * and no other origin can read it). The password or token inside is sealed with AES-GCM under a
 * non-extractable WebCrypto key stored beside it: the raw secret never sits in storage files or
 * in localStorage, and the key cannot be exported, only used by this origin's scripts.
 */
export type StoredConnection = { serverUrl: string; auth: JmapAuth };

export interface CredentialVault {
  load(): Promise<StoredConnection | null>;
  save(connection: StoredConnection): Promise<void>;
  clear(): Promise<void>;
}

type SealedRecord = {
  version: 1;
  serverUrl: string;
  kind: JmapAuth['kind'];
  username: string;
  iv: Uint8Array;
  sealed: ArrayBuffer;
};

const KEY = 'wrap-key';
const RECORD = 'connection';

export function createCredentialVault(store: UseStore = createStore('pgp-composer-session', 'vault')): CredentialVault {
  async function wrapKey(create: boolean): Promise<CryptoKey | undefined> {
    const existing = await get<CryptoKey>(KEY, store);
    if (existing || !create) return existing;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await set(KEY, key, store);
    return key;
  }

  return {
    async load() {
      const record = await get<SealedRecord>(RECORD, store);
      const key = await wrapKey(false);
      if (!record || record.version !== 1 || !key) return null;
      try {
        const secret = new TextDecoder().decode(
          await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv: record.iv as Uint8Array<ArrayBuffer> },
            key,
            record.sealed,
          ),
        );
        const auth: JmapAuth =
          record.kind === 'basic'
            ? { kind: 'basic', username: record.username, password: secret }
            : { kind: 'bearer', token: secret };
        return { serverUrl: record.serverUrl, auth };
      } catch {
        await del(RECORD, store); // unreadable (key replaced): forget it rather than fail forever
        return null;
      }
    },
    async save({ serverUrl, auth }) {
      const key = (await wrapKey(true))!;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const secret = auth.kind === 'basic' ? auth.password : auth.token;
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(secret));
      const record: SealedRecord = {
        version: 1,
        serverUrl,
        kind: auth.kind,
        username: auth.kind === 'basic' ? auth.username : '',
        iv,
        sealed,
      };
      await set(RECORD, record, store);
    },
    async clear() {
      await del(RECORD, store);
      await del(KEY, store);
    },
  };
}
