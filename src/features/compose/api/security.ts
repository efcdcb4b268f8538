import type { Security } from '@/core/send/send-message';
import type { Identity } from '@/core/jmap/types';
import type { OwnKeyStatus } from '@/lib/keyring-queries';
import type { Services } from '@/lib/services';

/**
 * How to protect one message: the recipients' keys, the sender's bound key (encrypt-to-self,
 * Autocrypt) and, when signing, that key unlocked in the worker (asking for the passphrase).
 */
export async function prepareSecurity(options: {
  services: Services;
  ask: (fingerprint: string, label: string) => Promise<void>;
  identity: Identity;
  encrypt: boolean;
  sign: boolean;
  protectHeaders: boolean;
  ownKey: OwnKeyStatus;
  recipientKeys: Record<string, string>;
}): Promise<Security> {
  const { services, identity, ownKey } = options;
  const own = ownKey.fingerprint ? await services.keystore.get(ownKey.fingerprint) : null;
  if (options.sign && own && !(await services.crypto.unlockedKeys()).includes(own.fingerprint)) {
    await options.ask(own.fingerprint, own.summary.primaryUserId ?? identity.email);
  }
  return {
    encrypt: options.encrypt,
    signWith: options.sign && own ? own.fingerprint : null,
    recipientKeys: options.recipientKeys,
    ownKey: own && ownKey.status === 'valid' ? { address: identity.email, armoredPublic: own.armoredPublic } : null,
    protectHeaders: options.protectHeaders,
  };
}
