/** A recipient or sender as the user entered it. `address` is what the SMTP envelope uses. */
export type Mailbox = { name: string | null; address: string };

/** What parseRecipient (recipient-parser.ts, not part of the start-up bundle) makes of an entry. */
export type ParsedRecipient =
  | { valid: true; mailbox: Mailbox; key: string; input: string }
  | { valid: false; input: string; key: string; reason: string };

/** ASCII-only lowercase, as WKD and Autocrypt compare addresses (draft-koch-openpgp-webkey-service §3.1; Autocrypt Level 1 §2.3). */
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The comparison key of an address: domain case never matters; the local part is compared ASCII-case-insensitively as mail systems do. */
export const addressKey = (address: string): string => asciiLower(address.trim());

const SEPARATORS = new Set([',', ';', '\n', '\r']);

/**
 * Split recipient input at `,` `;` and line breaks that stand outside quotes, angle brackets and
 * comments (UI contract). Returns the complete entries and the unfinished rest after the last separator.
 */
export function splitRecipientInput(input: string): { complete: string[]; rest: string } {
  const complete: string[] = [];
  let current = '';
  let inQuotes = false;
  let angleDepth = 0;
  let commentDepth = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (inQuotes) {
      current += c;
      if (c === '\\' && i + 1 < input.length) current += input[++i];
      else if (c === '"') inQuotes = false;
      continue;
    }
    if (c === '"') inQuotes = true;
    else if (c === '(') commentDepth++;
    else if (c === ')' && commentDepth > 0) commentDepth--;
    else if (c === '<' && commentDepth === 0) angleDepth++;
    else if (c === '>' && angleDepth > 0) angleDepth--;
    if (SEPARATORS.has(c) && angleDepth === 0 && commentDepth === 0) {
      if (current.trim()) complete.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  return { complete, rest: current };
}

/** Display form used in headers and chips: `Name <address>` or the bare address. */
export function formatMailbox(m: Mailbox): string {
  if (!m.name) return m.address;
  const needsQuotes = /[()<>[\]:;@\\,."]/.test(m.name);
  return needsQuotes ? `"${m.name.replace(/(["\\])/g, '\\$1')}" <${m.address}>` : `${m.name} <${m.address}>`;
}
