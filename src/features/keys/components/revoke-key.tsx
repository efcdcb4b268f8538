import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import { keyringKeys } from '@/queries/query-keys';
import { useServices } from '@/services/services';

/**
 * Revoke the key with the revocation certificate made when it was generated (no passphrase: for a
 * key whose passphrase is lost too). Where the key is published, the binding then publishes the
 * revocation, so correspondents learn of it.
 */
export function RevokeKey({
  fingerprint,
  revocationCertificate,
}: {
  fingerprint: string;
  revocationCertificate: string;
}) {
  const id = useId();
  const { crypto, keystore } = useServices();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: async () => {
      const record = await keystore.get(fingerprint);
      const revoked = await crypto.applyRevocation(
        { armoredPublic: record.armoredPublic, armoredSecret: record.armoredSecret },
        revocationCertificate,
      );
      await keystore.replace(fingerprint, revoked);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: keyringKeys.all }),
  });
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Revoke key
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby={`${id}-q`}>
      <p id={`${id}-q`}>
        <strong>Revoke this key for good?</strong> Nobody should encrypt to it or trust its signatures any more; where
        it is published, the revocation is published too. This cannot be undone.
      </p>
      {revoke.isError && (
        <p role="alert" className="alert">
          {userMessage(revoke.error)}
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
          Revoke this key
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Keep the key
        </button>
      </div>
    </div>
  );
}
