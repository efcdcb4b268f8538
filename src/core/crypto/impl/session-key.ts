import { enums, type Key, type SessionKey } from 'openpgp';

type SelfSignature = {
  features: Uint8Array | null;
  preferredSymmetricAlgorithms: number[] | null;
  preferredCipherSuites?: [number, number][] | null;
};

/**
 * The session key decides the packet: SEIPDv2 with AES-GCM when every recipient key advertises
 * SEIPDv2 and a GCM suite, else SEIPDv1 (which every implementation reads). Never OCB: OpenPGP.js
 * would pick it whenever a key lists no GCM suite, and it is ~20× slower there. AES-256 when
 * every key accepts it, else AES-128.
 */
export async function sessionKeyFor(keys: Key[], userIds: { email?: string }[], date: Date): Promise<SessionKey> {
  const selfSignatures = await Promise.all(
    keys.map((key, i) =>
      (
        key as unknown as { getPrimarySelfSignature: (d: Date, u: unknown) => Promise<SelfSignature> }
      ).getPrimarySelfSignature(date, userIds[i]),
    ),
  );
  const all = (test: (s: SelfSignature) => boolean) => selfSignatures.every(test);
  const { aes256, aes128 } = enums.symmetric;
  const gcm = enums.aead.gcm;
  const seipdV2 = all((s) => !!s.features && (s.features[0]! & 0x08) !== 0 /* features: SEIPDv2 */);
  const hasSuite = (symmetric: number) =>
    all((s) => (s.preferredCipherSuites ?? []).some(([sym, aead]) => sym === symmetric && aead === gcm));
  const random = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length));
  if (seipdV2 && hasSuite(aes256)) return { data: random(32), algorithm: 'aes256', aeadAlgorithm: 'gcm' };
  if (seipdV2 && hasSuite(aes128)) return { data: random(16), algorithm: 'aes128', aeadAlgorithm: 'gcm' };
  return all((s) => (s.preferredSymmetricAlgorithms ?? []).includes(aes256))
    ? { data: random(32), algorithm: 'aes256' }
    : { data: random(16), algorithm: 'aes128' };
}
