import addrs from 'email-addresses';
import { addressKey, type ParsedRecipient } from './addresses';

/*
 * The full RFC 5322 parser (email-addresses) is the one piece of address handling kept out of the
 * start-up bundle: the composer loads this module when it is idle, or on the first entry typed.
 */

const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9\u0080-\uFFFF-]{1,63}(?<!-)$/;

function domainProblem(domain: string): string | null {
  if (domain.startsWith('[')) return 'Address literals like [192.0.2.1] are not accepted.';
  const labels = domain.split('.');
  if (labels.length < 2) return `The domain "${domain}" has no dot.`;
  if (!labels.every((l) => HOSTNAME_LABEL.test(l))) return `The domain "${domain}" is not a valid host name.`;
  return null;
}

/** Parse one entry such as `"Doe, Jane" <jane@example.org>` or `bob@example.org` (RFC 5322 / RFC 6532). */
export function parseRecipient(input: string): ParsedRecipient {
  const text = input.trim();
  const invalid = (reason: string): ParsedRecipient => ({ valid: false, input: text, key: text.toLowerCase(), reason });
  if (!text) return invalid('Empty address.');
  const parsed = addrs.parseOneAddress({ input: text, rfc6532: true });
  if (!parsed) return invalid(`"${text}" is not an e-mail address.`);
  if (parsed.type !== 'mailbox') return invalid('Group addresses are not supported.');
  if (parsed.address.length > 254) return invalid('The address is too long.');
  const problem = domainProblem(parsed.domain);
  if (problem) return invalid(problem);
  const name = parsed.name?.trim() || null;
  return { valid: true, input: text, key: addressKey(parsed.address), mailbox: { name, address: parsed.address } };
}
