import type { Services } from '@/lib/services';

/** The sender's stored key (public part and summary) for encrypt-to-self and signing. */
export async function keyRecordFor(services: Services, fingerprint: string) {
  const record = await services.keystore.get(fingerprint);
  return { fingerprint: record.fingerprint, armoredPublic: record.armoredPublic, summary: record.summary };
}
