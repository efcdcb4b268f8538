import type { PinRecord } from '../keystore/records';
import type { DiscoveryService, EarlyLookUp } from './discover-key';
import type { DiscoveryResult, FoundKey, KeySource, SourceFailure } from './types';

/** What a recipient chip shows; `changed` blocks encryption until the user decides. */
export type RecipientKey =
  | ({ status: 'valid'; firstSeen: string; checkedAt: string } & FoundKey)
  | ({ status: 'invalid'; problem: string; checkedAt: string } & FoundKey)
  | { status: 'changed'; pinned: PinRecord; found: FoundKey; checkedAt: string }
  | {
      status: 'none' | 'error';
      failures: SourceFailure[];
      checkedAt: string;
      /** A failure in this browser (keystore, worker), not at a source. */ detail?: string;
    };

export type PinStore = {
  getPin(address: string): Promise<PinRecord | null>;
  setPin(pin: Omit<PinRecord, 'v'>): Promise<void>;
};

/** A pinned key is trusted without asking the network again for this long (then re-checked). */
export const PIN_FRESH_MS = 24 * 3600_000;

/** The pinned key, as usable as it is today (it may have expired or been revoked by a refresh). */
const fromPin = (pin: PinRecord, summary: FoundKey['summary']): RecipientKey => {
  const key = {
    source: pin.source,
    fingerprint: pin.fingerprint,
    armoredPublic: pin.armoredPublic,
    summary,
    url: pin.url,
    checkedAt: pin.checkedAt,
  };
  return summary.status === 'valid'
    ? { ...key, status: 'valid', firstSeen: pin.firstSeen }
    : { ...key, status: 'invalid', problem: summary.statusDetail ?? `The key is ${summary.status}.` };
};

type ResolveOptions = {
  address: string;
  discovery: DiscoveryService;
  pins: PinStore;
  summarize: (armoredPublic: string) => Promise<FoundKey['summary']>;
  now: () => Date;
  signal?: AbortSignal;
  /** Look up again even if the pinned key was confirmed recently (the user pressed Retry). */
  force?: boolean;
  /**
   * The network look-up, started before the keystore was read because nothing was believed stored
   * for the address. It is used only if nothing is; else it is cancelled (it ran without the pinned key).
   */
  early?: EarlyLookUp;
};

/**
 * The key to use for a recipient (trust on first use): the keystore first, then a recently
 * confirmed pinned key (unless the peer's mail offered another since), then a look-up. A key different from the pinned one is `changed`,
 * unless the pinned key certifies it (then it replaces the pin quietly) or the user declined it.
 */
export async function resolveRecipientKey(options: ResolveOptions): Promise<RecipientKey> {
  const { early } = options;
  const used = { early: false };
  try {
    return await resolveKey(options, used);
  } finally {
    if (early && !used.early) {
      early.result.catch(() => undefined);
      early.cancel();
    }
  }
}

async function resolveKey(options: ResolveOptions, used: { early: boolean }): Promise<RecipientKey> {
  const { address, discovery, pins, now, signal, early } = options;
  const stamp = now().toISOString();
  const [pin, local, autocrypt] = await Promise.all([
    pins.getPin(address),
    discovery.fromKeystore(address),
    discovery.autocryptKey(address),
  ]);
  // Recording a pin must not hold up the answer (nothing in it depends on the write).
  const remember = (record: Omit<PinRecord, 'v'>) => void pins.setPin(record).catch(() => undefined);
  if (local?.status === 'found') {
    // The user imported this key: it wins, and becomes the pinned one.
    if (pin?.fingerprint !== local.fingerprint) {
      remember({
        address,
        fingerprint: local.fingerprint,
        source: 'keystore',
        url: null,
        armoredPublic: local.armoredPublic,
        firstSeen: stamp,
        checkedAt: stamp,
        declined: null,
      });
    }
    return {
      ...local,
      status: 'valid',
      firstSeen: pin?.fingerprint === local.fingerprint ? pin.firstSeen : stamp,
      checkedAt: stamp,
    };
  }
  // The peer's mail since offered another key: look again (it shows `changed` unless vouched for).
  const autocryptDiffers =
    !!pin && !!autocrypt && autocrypt.fingerprint !== pin.fingerprint && autocrypt.fingerprint !== pin.declined;
  if (
    !options.force &&
    pin &&
    pin.source !== 'keystore' &&
    !autocryptDiffers &&
    now().getTime() - Date.parse(pin.checkedAt) < PIN_FRESH_MS
  ) {
    return fromPin(pin, await options.summarize(pin.armoredPublic));
  }
  // An early look-up ran without the pinned key, so it cannot tell whether that key vouches for a
  // new one, and without the Autocrypt key.
  used.early = !!early && !pin && !autocrypt;
  // An unusable stored key (expired, revoked) is reported when nothing better turns up.
  const result: DiscoveryResult = await discovery.discoverKey(address, {
    signal,
    local,
    autocrypt,
    ...(pin ? { vouchingKey: pin.armoredPublic } : {}),
    ...(early && used.early ? { remote: early.result } : {}),
  });
  if (result.status === 'found') {
    const source = result.source as Exclude<KeySource, 'keystore'>;
    if (!pin || pin.fingerprint === result.fingerprint || result.vouched) {
      remember({
        address,
        fingerprint: result.fingerprint,
        source,
        url: result.url,
        armoredPublic: result.armoredPublic,
        firstSeen: pin?.fingerprint === result.fingerprint ? pin.firstSeen : stamp,
        checkedAt: stamp,
        declined: null,
      });
      return {
        ...result,
        status: 'valid',
        firstSeen: pin?.fingerprint === result.fingerprint ? pin.firstSeen : stamp,
        checkedAt: stamp,
      };
    }
    if (pin.declined === result.fingerprint) return fromPin(pin, await options.summarize(pin.armoredPublic));
    return { status: 'changed', pinned: pin, found: result, checkedAt: stamp };
  }
  // Nothing usable (or nothing reachable) now: a key confirmed earlier stays usable until refreshed,
  // unless what was found is that very key, now unusable.
  if (pin && !(result.status === 'invalid' && result.source !== 'keystore'))
    return fromPin(pin, await options.summarize(pin.armoredPublic));
  if (result.status === 'invalid') return { ...result, status: 'invalid' };
  return { status: result.status, failures: result.failures, checkedAt: stamp };
}

/** The user's answer to a `changed` key: take the new one, or keep the pinned one. */
export async function decideKeyChange(
  pins: PinStore,
  change: Extract<RecipientKey, { status: 'changed' }>,
  accept: boolean,
  now: Date,
): Promise<void> {
  const stamp = now.toISOString();
  const { pinned, found } = change;
  if (accept) {
    await pins.setPin({
      address: pinned.address,
      fingerprint: found.fingerprint,
      source: found.source,
      url: found.url,
      armoredPublic: found.armoredPublic,
      firstSeen: stamp,
      checkedAt: stamp,
      declined: null,
    });
  } else {
    await pins.setPin({ ...pinned, checkedAt: stamp, declined: found.fingerprint });
  }
}
