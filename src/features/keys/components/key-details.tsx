import { useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { currentStatus } from '@/core/keystore/records';
import { downloadFile, formatDate, groupFingerprint } from '@/lib/format';
import { useBindings, useKeyRecord } from '@/queries/keyring';
import { useServices } from '@/services/services';
import { useDeleteKey, useKeyLocking, useUnlockedKeys } from '../api/keyring';
import { isUnlockDeclined } from '@/unlock/ensure-unlocked';
import { RevokeKey } from './revoke-key';

const STATUS_WORDS = {
  valid: 'Valid',
  expired: 'Expired: never used',
  revoked: 'Revoked: never used',
  'no-encryption-subkey': 'No encryption subkey: cannot be encrypted to',
  invalid: 'Invalid: never used',
} as const;

function DeleteKey({
  fingerprint,
  secret,
  onDeleted,
}: {
  fingerprint: string;
  secret: boolean;
  onDeleted: () => void;
}) {
  const id = useId();
  const remove = useDeleteKey();
  const [confirming, setConfirming] = useState(false);
  const [understood, setUnderstood] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete key
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby={`${id}-q`}>
      <p id={`${id}-q`}>
        <strong>Delete this {secret ? 'secret' : 'public'} key from this browser?</strong>
      </p>
      {secret && (
        <label className="check">
          <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} /> I have a
          backup or no longer need it: without it, mail encrypted to this key cannot be read
        </label>
      )}
      {remove.isError && (
        <p role="alert" className="alert">
          {userMessage(remove.error)}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={(secret && !understood) || remove.isPending}
          onClick={() => remove.mutate(fingerprint, { onSuccess: onDeleted })}
        >
          Yes, delete
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function KeyDetails({
  fingerprint,
  accountAddresses,
  onClose,
}: {
  fingerprint: string;
  accountAddresses: string[];
  onClose: () => void;
}) {
  const id = useId();
  const { now } = useServices();
  const record = useKeyRecord(fingerprint);
  const bindings = useBindings();
  const unlocked = useUnlockedKeys();
  const locking = useKeyLocking();
  const [lockError, setLockError] = useState<string | null>(null);
  if (record.isPending) return <p role="status">Loading key…</p>;
  if (record.isError)
    return (
      <p role="alert" className="alert">
        {userMessage(record.error)}
      </p>
    );
  const { summary, armoredPublic, armoredSecret, revocationCertificate } = record.data;
  const status = currentStatus(summary, now());
  const label = summary.primaryUserId ?? groupFingerprint(fingerprint);
  const serves = Object.entries(bindings.data ?? {})
    .filter(([, f]) => f === fingerprint)
    .map(([a]) => a);
  const couldServe = accountAddresses.filter((a) =>
    summary.userIds.some((u) => u.status === 'valid' && u.email.toLowerCase() === a.toLowerCase()),
  );
  const isUnlocked = unlocked.data?.includes(fingerprint) ?? false;
  const short = fingerprint.slice(-16);

  return (
    <section className="panel key-details" aria-labelledby={`${id}-title`} data-details-fingerprint={fingerprint}>
      <div className="view-header">
        <h3 id={`${id}-title`}>{label}</h3>
        <button type="button" onClick={onClose}>
          Close details
        </button>
      </div>
      <dl className="facts">
        <dt>Fingerprint</dt>
        <dd className="fingerprint">{groupFingerprint(fingerprint)}</dd>
        <dt>Status</dt>
        <dd data-key-status={status}>
          {STATUS_WORDS[status]}
          {summary.statusDetail && status !== 'valid' ? ` — ${summary.statusDetail}` : ''}
        </dd>
        <dt>Kind</dt>
        <dd>
          {summary.kind === 'secret'
            ? `Secret key (passphrase-protected${isUnlocked ? ', unlocked now' : ', locked'})`
            : 'Public key'}{' '}
          · OpenPGP v{summary.version}
        </dd>
        <dt>Created / expires</dt>
        <dd>
          {formatDate(summary.created)} / {formatDate(summary.expires)}
        </dd>
        <dt>User IDs</dt>
        <dd>
          <ul className="plain">
            {summary.userIds.map((u) => (
              <li key={u.userId}>
                {u.userId}{' '}
                <span className="hint">
                  ({u.status}
                  {u.primary ? ', primary' : ''})
                </span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Keys</dt>
        <dd>
          <ul className="plain">
            <li>
              Primary: {summary.algorithm} — {summary.capabilities.join(', ') || 'no capabilities'}
            </li>
            {summary.subkeys.map((k) => (
              <li key={k.fingerprint}>
                Subkey {k.fingerprint.slice(-16)}: {k.algorithm} — {k.capabilities.join(', ') || 'none'} ({k.status}
                {k.expires ? `, expires ${formatDate(k.expires)}` : ''})
              </li>
            ))}
          </ul>
        </dd>
        <dt>Serves your addresses</dt>
        <dd>
          {serves.length
            ? serves.join(', ')
            : couldServe.length
              ? `None bound (could serve ${couldServe.join(', ')})`
              : 'None'}
        </dd>
      </dl>
      {lockError && (
        <p role="alert" className="alert">
          {lockError}
        </p>
      )}
      <div className="actions wrap">
        <button type="button" onClick={() => downloadFile(`${short}-public.asc`, armoredPublic)}>
          Export public key
        </button>
        {armoredSecret && (
          <button type="button" onClick={() => downloadFile(`${short}-secret.asc`, armoredSecret)}>
            Export secret key
          </button>
        )}
        {revocationCertificate && (
          <button type="button" onClick={() => downloadFile(`${short}-revocation.asc`, revocationCertificate)}>
            Download revocation certificate
          </button>
        )}
        {armoredSecret &&
          (isUnlocked ? (
            <button type="button" onClick={() => void locking.lock(fingerprint)}>
              Lock key
            </button>
          ) : (
            <button
              type="button"
              onClick={() => {
                setLockError(null);
                locking.ensureUnlocked(fingerprint, label).catch((e: unknown) => {
                  if (!isUnlockDeclined(e)) setLockError(userMessage(e));
                });
              }}
            >
              Unlock key
            </button>
          ))}
        {revocationCertificate && summary.status !== 'revoked' && (
          <RevokeKey fingerprint={fingerprint} revocationCertificate={revocationCertificate} />
        )}
        <DeleteKey fingerprint={fingerprint} secret={!!armoredSecret} onDeleted={onClose} />
      </div>
    </section>
  );
}
