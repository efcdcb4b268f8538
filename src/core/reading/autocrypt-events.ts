import type { CryptoApi } from '../crypto/types';
import { type AutocryptEvent, effectiveDate } from '../keystore/autocrypt-peers';
import { decodeBase64 } from '../mime/base64';
import { asciiLower } from '../mime/addresses';
import type { OpenedMessage } from './types';

/** The primary key's fingerprint when the keydata is a key with a user ID for `address`, else null. */
async function fingerprintFor(
  crypto: Pick<CryptoApi, 'keysForAddress'>,
  keydata: string,
  address: string,
): Promise<string | null> {
  try {
    const { keys } = await crypto.keysForAddress(decodeBase64(keydata), address);
    return keys[0]?.summary.fingerprint ?? null;
  } catch {
    return null;
  }
}

/**
 * What an opened message tells the Autocrypt peer state (Level 1 §2.3, §2.7): its sender's header
 * (or that it came without one), and gossip about its other recipients. Keydata that is not a key
 * for the address it is given for is dropped. A message whose decryption failed its integrity check
 * says nothing.
 */
export async function autocryptEvents(
  opened: Pick<OpenedMessage<unknown>, 'autocrypt' | 'headers' | 'encryption'>,
  crypto: Pick<CryptoApi, 'keysForAddress'>,
  now: Date,
): Promise<AutocryptEvent[]> {
  if (opened.encryption === 'failed') return [];
  const { headers, autocrypt } = opened;
  if (headers.severalFrom || headers.from.length !== 1) return [];
  const date = effectiveDate(headers.date, now);
  const from = asciiLower(headers.from[0]!.address);
  const events: AutocryptEvent[] = [];
  const header = autocrypt.header;
  const headerFingerprint = header && (await fingerprintFor(crypto, header.keydata, header.address));
  events.push(
    header && headerFingerprint
      ? {
          kind: 'header',
          address: from,
          date,
          keydata: header.keydata,
          fingerprint: headerFingerprint,
          preferEncrypt: header.preferEncrypt,
        }
      : { kind: 'none', address: from, date },
  );
  for (const gossip of autocrypt.gossip) {
    const fingerprint = await fingerprintFor(crypto, gossip.keydata, gossip.address);
    if (fingerprint)
      events.push({ kind: 'gossip', address: gossip.address, date, keydata: gossip.keydata, fingerprint });
  }
  return events;
}
