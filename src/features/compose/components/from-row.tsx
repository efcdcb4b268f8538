import { KeyStatusIcon } from '@/components/key-status-icon';
import type { Identity } from '@/core/jmap/types';
import { formatDate } from '@/lib/format';
import type { OwnKeyStatus } from '@/queries/own-key-status';
import { useComposerStore } from '../stores/composer-store';

function ownKeyText(ownKey: OwnKeyStatus & { expiresSoon: boolean }, address: string | undefined): string {
  switch (ownKey.status) {
    case 'valid':
      return ownKey.expiresSoon
        ? `Your key for ${address} expires on ${formatDate(ownKey.expires ?? null)}: extend it or make a new one soon.`
        : `Your key for ${address} is ready.`;
    case 'invalid':
      return `The key bound to ${address} cannot be used: ${ownKey.detail}`;
    case 'none':
      return `No key is bound to ${address ?? 'this address'} (see Keys).`;
    default:
      return 'Checking your keys…';
  }
}

/** The From address, with the key icon of the key bound to it. */
export function FromRow(props: {
  id: string;
  identities: Identity[];
  identity: Identity | undefined;
  ownKey: OwnKeyStatus & { expiresSoon: boolean };
}) {
  const { id, identities, identity, ownKey } = props;
  const setFrom = useComposerStore((s) => s.setFrom);
  return (
    <div className="from-row">
      <label htmlFor={`${id}-from`}>From</label>
      <div className="from-control">
        <select
          id={`${id}-from`}
          value={identity?.id ?? ''}
          onChange={(e) => setFrom(e.target.value)}
          data-key-status={ownKey.status}
          {...(ownKey.fingerprint ? { 'data-key-fingerprint': ownKey.fingerprint } : {})}
          disabled={!identities.length}
          aria-describedby={`${id}-from-key`}
        >
          {identities.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name ? `${i.name} <${i.email}>` : i.email}
            </option>
          ))}
        </select>
        {identity && <KeyStatusIcon status={ownKey.status} subject={identity.email} />}
      </div>
      <p id={`${id}-from-key`} className={ownKey.status === 'invalid' || ownKey.expiresSoon ? 'warning' : 'hint'}>
        {ownKeyText(ownKey, identity?.email)}
      </p>
    </div>
  );
}
