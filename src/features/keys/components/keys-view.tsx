import { useEffect, useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { useAccountSetup } from '@/queries/account';
import { useKeyList } from '../api/keyring';
import { AliasBindings } from './alias-bindings';
import { GenerateKeyForm } from './generate-key-form';
import { ImportKeys } from './import-keys';
import { KeyDetails } from './key-details';
import { KeyList } from './key-list';
import { ViewTitle } from '@/components/view-title';

export function KeysView() {
  const id = useId();
  const setup = useAccountSetup();
  const list = useKeyList();
  const [generating, setGenerating] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const identities = setup.identities;
  const entries = list.data ?? [];
  const listed = list.isSuccess;
  useEffect(() => {
    if (listed && performance.getEntriesByName('keys-listed').length === 0) performance.mark('keys-listed');
  }, [listed]);

  return (
    <main aria-labelledby={`${id}-title`} className="keys-view">
      <div className="view-header">
        <ViewTitle id={`${id}-title`}>Keys</ViewTitle>
        {!generating && (
          <button type="button" className="primary" onClick={() => setGenerating(true)}>
            Generate key
          </button>
        )}
      </div>
      <p className="lead">
        Your keys live only in this browser. Secret keys are stored encrypted with their passphrase.
      </p>
      {generating && <GenerateKeyForm identities={identities} onDone={() => setGenerating(false)} />}
      <AliasBindings identities={identities} secretKeys={entries.filter((e) => e.kind === 'secret')} />
      <section className="panel" aria-labelledby={`${id}-stored`}>
        <h2 id={`${id}-stored`}>Stored keys</h2>
        {list.isPending && <p role="status">Loading keys…</p>}
        {list.isError && (
          <p role="alert" className="alert">
            {userMessage(list.error)}
          </p>
        )}
        {list.data && (
          <>
            <p data-key-count={entries.length}>
              {entries.length === 0
                ? 'No keys yet.'
                : `${entries.length} key${entries.length === 1 ? '' : 's'} (${entries.filter((e) => e.kind === 'secret').length} secret).`}
            </p>
            {entries.length > 0 && <KeyList entries={entries} selected={selected} onSelect={setSelected} />}
          </>
        )}
        {selected && (
          <KeyDetails
            fingerprint={selected}
            accountAddresses={identities.map((i) => i.email)}
            onClose={() => setSelected(null)}
          />
        )}
      </section>
      <ImportKeys />
    </main>
  );
}
