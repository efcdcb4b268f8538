import { type FormEvent, useId, useRef, useState } from 'react';
import type { InspectedKey } from '@/core/crypto/types';
import { userMessage } from '@/core/errors/user-messages';
import { formatDate, groupFingerprint } from '@/lib/format';
import { useInspectKeys, useStoreKeys } from '../api/keyring';

const STATUS_WORDS: Record<InspectedKey['summary']['status'], string> = {
  valid: 'valid',
  expired: 'expired (will be stored, never used)',
  revoked: 'revoked (will be stored, never used)',
  'no-encryption-subkey': 'no encryption subkey',
  invalid: 'invalid',
};

function PreviewEntry({ inspected }: { inspected: InspectedKey }) {
  const s = inspected.summary;
  return (
    <li className={inspected.refusal ? 'preview refused' : 'preview'}>
      <p>
        <strong>{s.kind === 'secret' ? 'Secret key' : 'Public key'}</strong> {groupFingerprint(s.fingerprint)}
      </p>
      <ul className="plain">
        {s.userIds.map((u) => (
          <li key={u.userId}>
            {u.userId} {u.status !== 'valid' && <span className="hint">({u.status})</span>}
          </li>
        ))}
      </ul>
      <p className="hint">
        {s.algorithm}
        {s.subkeys.length > 0 && ` + ${s.subkeys.map((k) => k.algorithm).join(', ')}`} · created {formatDate(s.created)}{' '}
        · expires {formatDate(s.expires)} · {STATUS_WORDS[s.status]}
        {s.kind === 'secret' && (inspected.secretProtected ? ' · passphrase-protected' : ' · no passphrase')}
      </p>
      {inspected.refusal && <p className="warning">Refused: {inspected.refusal}</p>}
    </li>
  );
}

/** Bulk imports (thousands of keys) list every refused key but only the first acceptable ones. */
const PREVIEW_LIMIT = 50;
const shownPreview = (keys: InspectedKey[]) => [
  ...keys.filter((k) => k.refusal),
  ...keys.filter((k) => !k.refusal).slice(0, PREVIEW_LIMIT),
];

/** Paste or pick keys, see what they are, then store the acceptable ones. */
export function ImportKeys() {
  const id = useId();
  const inspect = useInspectKeys();
  const store = useStoreKeys();
  const [text, setText] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const [preview, setPreview] = useState<InspectedKey[] | null>(null);
  const [newPassphrase, setNewPassphrase] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  async function readInput(): Promise<string | Uint8Array | null> {
    const file = fileInput.current?.files?.[0];
    if (file) return new Uint8Array(await file.arrayBuffer());
    return text.trim() ? text : null;
  }

  async function onImport(event?: FormEvent) {
    event?.preventDefault();
    setDone(null);
    store.reset();
    const data = await readInput();
    if (data === null) {
      inspect.reset();
      setPreview(null);
      setDone(null);
      return setFormError('Paste a key into Key or choose a key file first.');
    }
    setFormError(null);
    inspect.mutate(data, { onSuccess: setPreview, onError: () => setPreview(null) });
  }

  const unprotected = preview?.filter((k) => !k.refusal && k.armoredSecret && !k.secretProtected) ?? [];

  function onAdd() {
    if (!preview) return;
    const passphrases = Object.fromEntries(unprotected.map((k) => [k.summary.fingerprint, newPassphrase]));
    store.mutate(
      { keys: preview, passphrases },
      {
        onSuccess: (result) => {
          const count = result.stored.length + result.merged.length;
          setDone(
            count
              ? `Added ${result.stored.length} key${result.stored.length === 1 ? '' : 's'}${result.merged.length ? `, updated ${result.merged.length}` : ''}.`
              : null,
          );
          if (result.refused.length === 0) {
            setPreview(null);
            setText('');
            setNewPassphrase('');
            if (fileInput.current) fileInput.current.value = '';
          }
        },
      },
    );
  }

  const refused = store.data?.refused ?? [];
  const alert =
    formError ??
    (inspect.isError
      ? `Nothing was imported. ${userMessage(inspect.error)}`
      : store.isError
        ? `Nothing was stored. ${userMessage(store.error)}`
        : refused.length
          ? `Not stored: ${refused.map((r) => `${r.label} — ${r.reason}`).join(' ')}`
          : null);

  return (
    <section
      className={dragging ? 'panel drop-target dragging' : 'panel drop-target'}
      aria-labelledby={`${id}-title`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        // A dropped file goes through the same path as one picked with "Key file".
        if (fileInput.current && e.dataTransfer.files.length) {
          fileInput.current.files = e.dataTransfer.files;
          setText('');
          void onImport();
        }
      }}
    >
      <h2 id={`${id}-title`}>Import keys</h2>
      <p className="hint">
        Paste a key, choose a file, or drop a key file here (.asc, .gpg, .pgp, .key; armored or binary; several keys at
        once are fine).
      </p>
      <form onSubmit={onImport}>
        <label htmlFor={`${id}-text`}>Key</label>
        <textarea
          id={`${id}-text`}
          rows={5}
          spellCheck={false}
          placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            // Whichever input changed last is imported: typing replaces a file chosen before.
            if (fileInput.current) fileInput.current.value = '';
          }}
        />
        <label htmlFor={`${id}-file`}>Key file</label>
        <input
          id={`${id}-file`}
          ref={fileInput}
          type="file"
          accept=".asc,.gpg,.pgp,.key,application/pgp-keys"
          onChange={(e) => {
            if (e.target.files?.length) setText(''); // and a file chosen replaces pasted text
          }}
        />
        <div className="actions">
          <button type="submit" disabled={inspect.isPending}>
            Import
          </button>
          {inspect.isPending && <span role="status">Reading keys…</span>}
        </div>
      </form>
      {alert && (
        <p role="alert" className="alert">
          {alert}
        </p>
      )}
      {done && (
        <p role="status" className="status-text">
          {done}
        </p>
      )}
      {preview && (
        <div className="import-preview" aria-label="Import preview">
          <h3>
            Found {preview.length} key{preview.length === 1 ? '' : 's'}
          </h3>
          {preview.length > PREVIEW_LIMIT && (
            <p>
              {preview.filter((k) => !k.refusal).length} can be stored, {preview.filter((k) => k.refusal).length} are
              refused. Showing every refused key and the first {PREVIEW_LIMIT} others.
            </p>
          )}
          <ul className="plain">
            {shownPreview(preview).map((k) => (
              <PreviewEntry key={`${k.summary.fingerprint}-${k.summary.kind}`} inspected={k} />
            ))}
          </ul>
          {unprotected.length > 0 && (
            <>
              <label htmlFor={`${id}-newpass`}>New passphrase</label>
              <input
                id={`${id}-newpass`}
                type="password"
                autoComplete="new-password"
                value={newPassphrase}
                onChange={(e) => setNewPassphrase(e.target.value)}
                aria-describedby={`${id}-newpass-hint`}
              />
              <p id={`${id}-newpass-hint`} className="hint">
                {unprotected.length === 1 ? 'This secret key has' : 'These secret keys have'} no passphrase. Secret keys
                are only stored passphrase-protected.
              </p>
            </>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={onAdd} disabled={store.isPending}>
              Add to keystore
            </button>
            <button type="button" onClick={() => setPreview(null)}>
              Discard
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
