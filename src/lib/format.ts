/** Fingerprints in groups of four for reading aloud and comparing: `ABCD 1234 …`. */
export const groupFingerprint = (fingerprint: string): string => fingerprint.replace(/(.{4})(?=.)/g, '$1 ');

export const formatDate = (iso: string | null, never = 'never'): string =>
  iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : never;

/** Offer bytes or text as a file download. */
export function downloadFile(name: string, content: string, type = 'application/pgp-keys'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
