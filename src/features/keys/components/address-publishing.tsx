import { useId } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import type { KeyListEntry } from '@/core/keystore/records';
import { normalizeAddress } from '@/core/keystore/records';
import { formatDate } from '@/lib/format';
import { useServices } from '@/services/services';
import { ensureUnlocked, isUnlockDeclined } from '@/unlock/ensure-unlocked';
import {
  type CheckAnswer,
  EXTEND_WARNING_MS,
  useAddressPublication,
  useExtendKey,
  useKeyServerStatus,
  useKeyServerUpload,
  useSelfCheck,
} from '../api/publishing';

const WKD_TEXT = {
  published: 'Published: people who look your address up find this key.',
  revoked: 'The directory serves this key’s revocation, so correspondents learn it is revoked.',
  'not-published': 'Not published in the web key directory.',
  pending: 'Publishing…',
  unavailable: 'No web key directory here publishes keys for this address.',
  error: 'Publishing failed.',
} as const;

const VKS_TEXT = {
  'not-uploaded': 'Not on the key server.',
  'pending-verification': 'Uploaded to the key server: waiting for you to confirm the address from its mail.',
  verified: 'The key server returns this key for this address.',
  error: 'The key server could not be asked.',
} as const;

const CHECK_TEXT: Record<CheckAnswer, string> = {
  'same-key': 'finds this key',
  'different-key': 'finds a different key',
  'no-key': 'finds no key',
  unreachable: 'cannot be reached',
  error: 'failed',
};

/** Publishing one address's bound key: web key directory, key server, self-check, expiry. */
export function AddressPublishing({ address, bound }: { address: string; bound: KeyListEntry | null }) {
  const id = useId();
  const { crypto, now } = useServices();
  const fingerprint = bound?.fingerprint ?? null;
  const publication = useAddressPublication(address, bound);
  const vks = useKeyServerStatus(address, fingerprint);
  const upload = useKeyServerUpload(address);
  const check = useSelfCheck(address, fingerprint);
  const extend = useExtendKey();
  const label = bound?.primaryUserId ?? address;
  const expiresSoon =
    !!bound &&
    (bound.status === 'expired' ||
      (!!bound.expires && Date.parse(bound.expires) - now().getTime() < EXTEND_WARNING_MS));
  const vksStatus = upload.isError ? 'error' : (vks.data ?? 'not-uploaded');
  const checked = check.data;
  return (
    <div
      className="publishing"
      data-publish-address={normalizeAddress(address)}
      data-wkd-status={publication.status}
      data-vks-status={vksStatus}
      {...(checked
        ? { 'data-check-wkd': checked.wkd, 'data-check-public': checked.public, 'data-check-vks': checked.vks }
        : {})}
    >
      {publication.served && (
        <label className="check">
          <input
            type="checkbox"
            role="switch"
            checked={publication.publishOn}
            onChange={(e) => publication.setPublishOn(e.target.checked)}
            aria-describedby={`${id}-wkd`}
          />
          Publish key for {address}
        </label>
      )}
      <p id={`${id}-wkd`} className="hint">
        {WKD_TEXT[publication.status]}
        {publication.reason ? ` (${publication.reason})` : ''}
      </p>
      {publication.status === 'error' && publication.error && (
        <p role="alert" className="alert">
          Publishing the key for {address} failed: {userMessage(publication.error)}
        </p>
      )}
      {bound && <p className="hint">{VKS_TEXT[vksStatus]}</p>}
      <div className="actions wrap">
        {bound && bound.status !== 'revoked' && (
          <button type="button" disabled={upload.isPending} onClick={() => upload.mutate(bound.fingerprint)}>
            Upload key for {address}
          </button>
        )}
        <button type="button" disabled={check.isPending || !bound} onClick={() => check.mutate()}>
          Check {address}
        </button>
        {bound && expiresSoon && bound.status !== 'revoked' && (
          <button
            type="button"
            disabled={extend.isPending}
            onClick={() =>
              extend.mutate({
                fingerprint: bound.fingerprint,
                ensureUnlocked: () => ensureUnlocked(crypto, bound.fingerprint, label),
              })
            }
          >
            Extend key for {address}
          </button>
        )}
      </div>
      {upload.data && (
        <p role="status">
          {upload.data.kind === 'sent'
            ? `Verification mail sent to ${upload.data.to}: open the link in it to publish the key on the key server.`
            : upload.data.kind === 'verified'
              ? `The key server already publishes this key for ${upload.data.to}.`
              : 'The key server’s upload page opened in a new tab (there is no companion server to upload through): send the verification mail from there.'}
        </p>
      )}
      {upload.isError && (
        <p role="alert" className="alert">
          Uploading the key for {address} failed: {userMessage(upload.error)}
        </p>
      )}
      {checked && (
        <p role="status">
          This app’s look-up {CHECK_TEXT[checked.wkd]}; the public web key directory route {CHECK_TEXT[checked.public]}
          {checked.public === 'unreachable'
            ? ` (is openpgpkey.${address.split('@')[1]} in DNS, with TLS in front?)`
            : ''}
          ; the key server {CHECK_TEXT[checked.vks]}.
        </p>
      )}
      {bound?.expires && expiresSoon && (
        <p className="warning">
          {bound.status === 'expired' ? 'This key expired on' : 'This key expires on'} {formatDate(bound.expires)}.
        </p>
      )}
      {extend.isError && !isUnlockDeclined(extend.error) && (
        <p role="alert" className="alert">
          Extending the key failed: {userMessage(extend.error)}
        </p>
      )}
    </div>
  );
}
