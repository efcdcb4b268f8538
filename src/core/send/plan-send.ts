import type { RecipientKey } from '../discovery/resolve-recipient';
import { addressKey } from '../mime/addresses';
import type { PreparedMessage } from './deliver';
import type { Security } from './send-message';
import { minimumMessageSize, type SizeLimits, sizeProblem } from './size-limits';

/** One recipient as typed: an address, or text that did not parse as one. */
export type PlannedRecipient = { address: string } | { invalid: string };

/** The sender's key bound to the From address, as far as the page knows it. */
export type OwnKeyState = {
  status: 'pending' | 'valid' | 'invalid' | 'none';
  fingerprint?: string;
  armoredPublic?: string;
  /** Whether the worker holds it unlocked now. */
  unlocked?: boolean;
};

export type SendPlanInput = {
  /** The From address; null when the account has none to send from. */
  from: string | null;
  /** Every To, Cc and Bcc recipient, in order. */
  recipients: PlannedRecipient[];
  /** The key state of each valid recipient, by address (undefined: not answered yet). */
  keyOf: (address: string) => RecipientKey | undefined;
  encrypt: boolean;
  sign: boolean;
  protectHeaders: boolean;
  ownKey: OwnKeyState;
  /** What an earlier failed try built (and encrypted), when it may be sent again as it is. */
  retry: { prepared: PreparedMessage } | null;
  /** Whether the keys of unusable recipients were already refreshed in this attempt. */
  refreshed: boolean;
  /** The attachments' sizes in bytes, and what the server takes: a message surely too large is not built. */
  attachmentSizes: number[];
  limits: SizeLimits;
};

export type BlockReason =
  'no-identity' | 'invalid-addresses' | 'no-recipients' | 'too-large' | 'keys-pending' | 'keys-missing';

export type SendPlan =
  | { kind: 'blocked'; reason: BlockReason; addresses: string[]; message: string }
  /** Keys that look unusable (expired, revoked) may have been extended or replaced: ask again first. */
  | { kind: 'needs-refresh'; addresses: string[] }
  /** Signing needs the sender's key unlocked in the worker (its passphrase). */
  | { kind: 'needs-unlock'; fingerprint: string }
  /** Build, protect as `security` says (null: a plain message), and deliver. */
  | { kind: 'ready'; security: Security | null }
  /** Deliver exactly what the earlier try built; `started`: some copies may already be on the server. */
  | { kind: 'resume'; prepared: PreparedMessage };

const list = (items: string[]) => items.join(', ');

function blocked(reason: BlockReason, addresses: string[], message: string): SendPlan {
  return { kind: 'blocked', reason, addresses, message };
}

/**
 * What Send does next, decided from what the composer holds: nothing here has side effects.
 * Security: with encryption on, a recipient without a usable key blocks the whole message
 * (nothing is sent, never a silent fallback to plaintext).
 */
export function planSend(input: SendPlanInput): SendPlan {
  if (!input.from) return blocked('no-identity', [], 'Choose a From address first.');
  const invalid = input.recipients.flatMap((r) => ('invalid' in r ? [r.invalid] : []));
  if (invalid.length) {
    const many = invalid.length > 1;
    return blocked(
      'invalid-addresses',
      invalid,
      `Not sent: ${invalid.map((text) => `"${text}"`).join(', ')} ${many ? 'are not valid e-mail addresses' : 'is not a valid e-mail address'}. Fix or remove ${many ? 'them' : 'it'} to send.`,
    );
  }
  const addresses = input.recipients.flatMap((r) => ('address' in r ? [r.address] : []));
  if (addresses.length === 0) return blocked('no-recipients', [], 'Not sent: add at least one recipient.');
  if (input.retry) return { kind: 'resume', prepared: input.retry.prepared };
  const tooLarge = sizeProblem(minimumMessageSize(input.attachmentSizes, input.encrypt), input.encrypt, input.limits);
  if (tooLarge) return blocked('too-large', [], `Not sent. ${tooLarge}`);

  const statusOf = (address: string) => input.keyOf(address)?.status ?? 'pending';
  if (input.encrypt) {
    const unusable = addresses.filter((a) => statusOf(a) === 'invalid');
    if (unusable.length && !input.refreshed) return { kind: 'needs-refresh', addresses: unusable };
    const pending = addresses.filter((a) => statusOf(a) === 'pending');
    if (pending.length)
      return blocked(
        'keys-pending',
        pending,
        `Not sent: still looking for keys of ${list(pending)}. Try again in a moment.`,
      );
    const missing = addresses.filter((a) => statusOf(a) !== 'valid');
    if (missing.length) {
      return blocked(
        'keys-missing',
        missing,
        `Not sent: encryption is on, but there is no usable key for ${list(missing)}. Remove ${missing.length > 1 ? 'these recipients' : 'this recipient'}, or turn encryption off and send unencrypted.`,
      );
    }
  }

  const own = input.ownKey;
  const signWith = input.sign && own.status === 'valid' && own.fingerprint ? own.fingerprint : null;
  if (signWith && !own.unlocked) return { kind: 'needs-unlock', fingerprint: signWith };
  const ownKey =
    own.status === 'valid' && own.armoredPublic ? { address: input.from, armoredPublic: own.armoredPublic } : null;
  if (!input.encrypt && !signWith && !ownKey) return { kind: 'ready', security: null };
  const recipientKeys: Record<string, string> = {};
  for (const address of addresses) {
    const key = input.keyOf(address);
    if (key?.status === 'valid') recipientKeys[addressKey(address)] = key.armoredPublic;
  }
  return {
    kind: 'ready',
    security: { encrypt: input.encrypt, signWith, recipientKeys, ownKey, protectHeaders: input.protectHeaders },
  };
}
