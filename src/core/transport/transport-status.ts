/**
 * What the composer shows of a domain's transport security, apart from the client that asks the
 * companion (transport-client.ts), which loads when first needed.
 */

/** The contract's `data-transport` values (README, "Transport status"). */
export type TransportStatus =
  'dane' | 'mta-sts' | 'mta-sts-testing' | 'dnssec-bogus' | 'opportunistic' | 'local' | 'pending' | 'unknown';

/** What the page keeps of the companion's report for one domain. */
export type TransportView = { domain: string; status: Exclude<TransportStatus, 'pending'>; detail: string };

/** Headlines, never promising more than the recipient's domain publishes (our server decides delivery). */
export const TRANSPORT_WORDS: Record<TransportStatus, string> = {
  dane: 'TLS required by DANE (DNSSEC-signed)',
  'mta-sts': 'TLS required by MTA-STS',
  'mta-sts-testing': 'MTA-STS in testing mode only: TLS not required',
  'dnssec-bogus': 'DNSSEC failure: delivery will likely fail',
  opportunistic: 'No TLS promise: encrypted in transit only if both servers happen to agree',
  local: 'Stays on this server',
  pending: 'Checking the domain’s transport security…',
  unknown: 'Transport security unknown',
};

export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
