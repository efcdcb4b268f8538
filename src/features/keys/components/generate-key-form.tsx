import { type FormEvent, useId, useState } from 'react';
import type { GeneratedKey, KeyAlgorithmChoice } from '@/core/crypto/types';
import { userMessage } from '@/core/errors/user-messages';
import type { Identity } from '@/core/jmap/types';
import { downloadFile, groupFingerprint } from '@/lib/format';
import { useGenerateKey } from '../api/keyring';
import { PassphraseStrength } from './passphrase-strength';

const YEAR = 365 * 86400;
const EXPIRY_CHOICES = [
  { label: '1 year', seconds: YEAR },
  { label: '2 years', seconds: 2 * YEAR },
  { label: '3 years', seconds: 3 * YEAR },
  { label: '5 years', seconds: 5 * YEAR },
  { label: 'Never', seconds: 0 },
];

const ALGORITHMS: { value: KeyAlgorithmChoice; label: string }[] = [
  { value: 'curve25519-legacy', label: 'Curve25519 (recommended; works with GnuPG)' },
  { value: 'rsa3072', label: 'RSA 3072' },
  { value: 'rsa4096', label: 'RSA 4096' },
  { value: 'curve25519-v6', label: 'Curve25519, RFC 9580 v6 key' },
];

export function GenerateKeyForm({ identities, onDone }: { identities: Identity[]; onDone: () => void }) {
  const id = useId();
  const generate = useGenerateKey();
  const [name, setName] = useState(identities[0]?.name ?? '');
  const [email, setEmail] = useState(identities[0]?.email ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithmChoice>('curve25519-legacy');
  const [expiry, setExpiry] = useState(3 * YEAR);
  const [created, setCreated] = useState<GeneratedKey | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    generate.mutate(
      { name, email, passphrase, algorithm, expiresInSeconds: expiry },
      {
        onSuccess: (key) => {
          setCreated(key);
          setPassphrase('');
        },
      },
    );
  }

  if (created) {
    return (
      <section className="panel" aria-labelledby={`${id}-done`}>
        <h2 id={`${id}-done`}>Key created</h2>
        <p role="status">
          Created key {groupFingerprint(created.summary.fingerprint)} for {created.summary.primaryUserId}.
        </p>
        <p>
          Keep the revocation certificate somewhere safe and offline: with it you can declare the key invalid if you
          lose it or its passphrase.
        </p>
        <div className="actions">
          <button
            type="button"
            onClick={() => downloadFile(`revocation-${created.summary.fingerprint}.asc`, created.revocationCertificate)}
          >
            Download revocation certificate
          </button>
          <button type="button" onClick={onDone}>
            Done
          </button>
        </div>
      </section>
    );
  }

  const rsa = algorithm.startsWith('rsa');
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Generate a key</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`${id}-email`}>Email</label>
      <input
        id={`${id}-email`}
        type="text"
        inputMode="email"
        autoComplete="off"
        spellCheck={false}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        aria-describedby={`${id}-email-hint`}
      />
      {identities.length > 1 && (
        <p id={`${id}-email-hint`} className="hint">
          Your addresses:{' '}
          {identities.map((i, n) => (
            <span key={i.id}>
              {n > 0 && ', '}
              <button
                type="button"
                className="link-button"
                onClick={() => setEmail(i.email)}
                aria-label={`Use ${i.email}`}
              >
                {i.email}
              </button>
            </span>
          ))}
        </p>
      )}
      <label htmlFor={`${id}-pass`}>Passphrase</label>
      <input
        id={`${id}-pass`}
        type="password"
        autoComplete="new-password"
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
        aria-describedby={`${id}-strength`}
      />
      <PassphraseStrength passphrase={passphrase} id={`${id}-strength`} />
      <label htmlFor={`${id}-algo`}>Algorithm</label>
      <select
        id={`${id}-algo`}
        value={algorithm}
        onChange={(e) => setAlgorithm(e.target.value as KeyAlgorithmChoice)}
        aria-describedby={`${id}-algo-hint`}
      >
        {ALGORITHMS.map((a) => (
          <option key={a.value} value={a.value}>
            {a.label}
          </option>
        ))}
      </select>
      <p id={`${id}-algo-hint`} className={algorithm === 'curve25519-v6' ? 'warning' : 'hint'}>
        {algorithm === 'curve25519-v6'
          ? 'Warning: GnuPG 2.x (and Thunderbird’s RNP) cannot use v6 keys. People using them will not be able to write to you encrypted.'
          : rsa
            ? 'RSA keys take a while to generate; the page stays usable meanwhile.'
            : 'A v4 Ed25519/Cv25519 key, readable by GnuPG 2.2 and newer.'}
      </p>
      <label htmlFor={`${id}-expiry`}>Expires</label>
      <select id={`${id}-expiry`} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
        {EXPIRY_CHOICES.map((c) => (
          <option key={c.label} value={c.seconds}>
            {c.label}
          </option>
        ))}
      </select>
      {generate.isError && (
        <p role="alert" className="alert">
          {userMessage(generate.error)}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={generate.isPending}>
          Create
        </button>
        <button type="button" onClick={onDone} disabled={generate.isPending}>
          Cancel
        </button>
        {generate.isPending && (
          <span role="status" className="status-text">
            <progress aria-label="Generating key" /> Generating {rsa ? 'RSA ' : ''}key…
          </span>
        )}
      </div>
    </form>
  );
}
