/** RFC 8461 §3.2: max_age is at most about a year. */
export const MAX_POLICY_AGE_S = 31_557_600;
/** The policy is small; anything larger is refused. */
export const MAX_POLICY_BYTES = 64 * 1024;

export type StsPolicy = { mode: 'enforce' | 'testing' | 'none'; mx: string[]; maxAge: number };

/**
 * The policy id from the `_mta-sts` TXT records (§3.1): only records starting `v=STSv1` count, and
 * exactly one must; its `id` is 1-32 letters and digits. Null: no policy; a string: why invalid.
 */
export function parseStsTxt(records: string[]): { id: string } | { problem: string } | null {
  const sts = records.filter((r) => /^v=STSv1\s*(;|$)/.test(r));
  if (sts.length === 0) return null;
  if (sts.length > 1) return { problem: 'more than one v=STSv1 TXT record (no policy, RFC 8461 §3.1)' };
  const fields = new Map(
    sts[0]!
      .split(';')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => [f.slice(0, f.indexOf('=')).trim(), f.slice(f.indexOf('=') + 1).trim()] as const),
  );
  const id = fields.get('id');
  if (!id || !/^[A-Za-z0-9]{1,32}$/.test(id))
    return { problem: `the TXT record's id "${id ?? ''}" is not 1-32 letters and digits` };
  return { id };
}

/** The policy file (§3.2): `key: value` lines; version STSv1, a mode, mx patterns, max_age. */
export function parseStsPolicy(text: string): StsPolicy | { problem: string } {
  let version: string | null = null;
  let mode: string | null = null;
  let maxAge: number | null = null;
  const mx: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon < 0) return { problem: `a line without "key: value": "${line.slice(0, 60)}"` };
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name === 'version') version = value;
    else if (name === 'mode') mode = value;
    else if (name === 'max_age') maxAge = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    else if (name === 'mx') mx.push(value.toLowerCase().replace(/\.$/, ''));
    // Other keys are ignored (§3.2: extensions).
  }
  if (version !== 'STSv1') return { problem: 'the policy has no "version: STSv1"' };
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none')
    return { problem: `the policy mode "${mode ?? ''}" is not enforce, testing or none` };
  if (maxAge === null || Number.isNaN(maxAge) || maxAge > MAX_POLICY_AGE_S)
    return { problem: `the policy's max_age is missing or above ${MAX_POLICY_AGE_S}` };
  if (mode !== 'none' && mx.length === 0) return { problem: 'the policy names no mx' };
  return { mode, mx, maxAge };
}

/**
 * §4.1: an mx pattern is a host name, or `*.` followed by a domain, which matches exactly one more
 * label on the left (`*.example.com` matches `mx.example.com`, not `a.mx.example.com` nor
 * `example.com`).
 */
export function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return h === p;
  const rest = p.slice(2);
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === rest;
}
