import { useId } from 'react';

export function KeysView() {
  const id = useId();
  return (
    <main aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`} tabIndex={-1}>Keys</h1>
      <p>The OpenPGP keystore is not available in this version yet: keys will be generated, imported and kept here, in this browser only.</p>
    </main>
  );
}
