import { useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import type { Identity } from '@/core/jmap/types';
import { type KeyListEntry, normalizeAddress } from '@/core/keystore/records';
import { formatDate, groupFingerprint } from '@/lib/format';
import { useBindings } from '@/queries/keyring';
import { useAddUserId, useBindKey, useEligibleKeys } from '../api/keyring';
import { AddressPublishing } from './address-publishing';
import { isUnlockDeclined } from '@/unlock/ensure-unlocked';

const keyLabel = (e: KeyListEntry) =>
  `${e.primaryUserId ?? 'no user ID'} — ${groupFingerprint(e.fingerprint.slice(-16))}${e.expires ? `, expires ${formatDate(e.expires)}` : ''}`;

function AddUserIdOffer({ address, name, secretKeys }: { address: string; name: string; secretKeys: KeyListEntry[] }) {
  const id = useId();
  const add = useAddUserId();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState(secretKeys[0]?.fingerprint ?? '');
  if (!open) {
    return (
      <button type="button" className="link-button" onClick={() => setOpen(true)}>
        Add {address} to an existing key
      </button>
    );
  }
  const entry = secretKeys.find((k) => k.fingerprint === target);
  return (
    <div className="inline-form">
      <label htmlFor={`${id}-key`}>Key to add {address} to</label>
      <select id={`${id}-key`} value={target} onChange={(e) => setTarget(e.target.value)}>
        {secretKeys.map((k) => (
          <option key={k.fingerprint} value={k.fingerprint}>
            {keyLabel(k)}
          </option>
        ))}
      </select>
      <p className="hint">
        Everyone who gets this key will see that {address} and its other addresses belong together.
      </p>
      {add.isError && !isUnlockDeclined(add.error) && (
        <p role="alert" className="alert">
          {userMessage(add.error)}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={!entry || add.isPending}
          onClick={() =>
            entry &&
            add.mutate(
              { fingerprint: entry.fingerprint, label: keyLabel(entry), name, email: address },
              { onSuccess: () => setOpen(false) },
            )
          }
        >
          Add user ID
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function AddressBinding({
  identity,
  secretKeys,
  allSecretKeys,
}: {
  identity: Identity;
  secretKeys: KeyListEntry[];
  allSecretKeys: KeyListEntry[];
}) {
  const id = useId();
  const address = identity.email;
  const bindings = useBindings();
  const eligible = useEligibleKeys(address);
  const bind = useBindKey();
  const bound = bindings.data?.[normalizeAddress(address)] ?? null;
  const candidates = eligible.data ?? [];
  const [choice, setChoice] = useState<string | null>(null);
  // The switch follows the click at once; it falls back to the stored state when the write settles.
  const [optimistic, setOptimistic] = useState<boolean | null>(null);
  const picked = choice ?? bound ?? candidates[0]?.fingerprint ?? null;

  return (
    <li className="binding" data-address={normalizeAddress(address)}>
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          checked={optimistic ?? bound !== null}
          disabled={(bound === null && candidates.length === 0) || bindings.isPending}
          aria-describedby={`${id}-hint`}
          onChange={(e) => {
            setOptimistic(e.target.checked);
            bind.mutate(
              { address, fingerprint: e.target.checked ? picked : null },
              { onSettled: () => setOptimistic(null) },
            );
          }}
        />
        Use key for {address}
      </label>
      {candidates.length > 1 && (
        <>
          <label htmlFor={`${id}-pick`} className="inline-label">
            Key for {address}
          </label>
          <select
            id={`${id}-pick`}
            value={picked ?? ''}
            onChange={(e) => {
              setChoice(e.target.value);
              if (bound) bind.mutate({ address, fingerprint: e.target.value });
            }}
          >
            {candidates.map((k) => (
              <option key={k.fingerprint} value={k.fingerprint}>
                {keyLabel(k)}
              </option>
            ))}
          </select>
        </>
      )}
      <p id={`${id}-hint`} className="hint">
        {bound
          ? `Bound to ${groupFingerprint(bound.slice(-16))}.`
          : candidates.length
            ? `${candidates.length} eligible key${candidates.length > 1 ? 's' : ''}.`
            : `No secret key has a valid user ID for ${address}: generate one, or add ${address} to a key.`}
      </p>
      {bind.isError && (
        <p role="alert" className="alert">
          {userMessage(bind.error)}
        </p>
      )}
      {!bound && candidates.length === 0 && secretKeys.length > 0 && (
        <AddUserIdOffer address={address} name={identity.name} secretKeys={secretKeys} />
      )}
      <AddressPublishing address={address} bound={allSecretKeys.find((k) => k.fingerprint === bound) ?? null} />
    </li>
  );
}

/** One switch per account address: which of the user's secret keys signs and decrypts for it. */
export function AliasBindings({ identities, secretKeys }: { identities: Identity[]; secretKeys: KeyListEntry[] }) {
  const id = useId();
  const addresses = identities.filter(
    (i, n) =>
      !i.email.startsWith('*@') && identities.findIndex((j) => j.email.toLowerCase() === i.email.toLowerCase()) === n,
  );
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Your addresses</h2>
      <ul className="plain bindings">
        {addresses.map((identity) => (
          <AddressBinding
            key={identity.id}
            identity={identity}
            secretKeys={secretKeys.filter((k) => k.status === 'valid')}
            allSecretKeys={secretKeys}
          />
        ))}
      </ul>
    </section>
  );
}
