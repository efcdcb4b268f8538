/// <reference lib="webworker" />
import { armorHere, type ArmorJob } from './armor-stage';
import { servePipe } from './batch-pipe';

/**
 * The armor stage of a streamed encryption on a core of its own: CRC-24, base64 and writing the
 * message out were as much work as the encryption itself. Each message comes through a port of
 * its own from the encrypting worker (a sibling, not a child: Playwright's request routing hung on
 * workers nested three deep).
 */
/**
 * Where the spool cannot be a file, the armored message goes into Blobs of this size. Larger
 * pieces are cheaper for Chromium to take (bench:blob-io) but are held in this worker: 8 MiB kept
 * a 50 MB send under 3× its size.
 */
const BLOB_PIECE = 8 * 1024 * 1024;

self.onmessage = (event: MessageEvent<{ type: 'port'; port: MessagePort }>) =>
  servePipe(event.data.port, (job: ArmorJob) => armorHere(job, BLOB_PIECE));
