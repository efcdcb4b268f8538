/**
 * Numbers shared by the page, the crypto worker and the companion server (`server/`), defined once
 * so the two sides of a request cannot disagree.
 */

/** How long one key look-up request (WKD or key server) may take before it counts as timed out. */
export const LOOKUP_TIMEOUT_MS = 5000;

/**
 * The largest key accepted: a look-up answer (Mailvelope and dirmngr cap WKD at 256 KiB), an
 * imported key, a published key (certificate flooding; Hagrid's cap is 1 MiB, we are stricter).
 */
export const MAX_KEY_BYTES = 256 * 1024;

/** Addresses in one batch request to the companion's lookup proxy (`/api/wkd/batch`). */
export const MAX_LOOKUP_BATCH = 50;
