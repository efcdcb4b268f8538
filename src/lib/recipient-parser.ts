import type { parseRecipient } from '@/core/mime/recipient-parser';
import { loadCode } from '@/core/load-once';

let loaded: typeof parseRecipient | null = null;

/** The address parser, fetched once: it is not part of the start-up bundle (issue 16). */
export const loadRecipientParser = loadCode(() =>
  import('@/core/mime/recipient-parser').then((m) => (loaded = m.parseRecipient)),
);

/** The address parser when it has arrived, else null (then `loadRecipientParser` and try again). */
export const recipientParser = (): typeof parseRecipient | null => loaded;
