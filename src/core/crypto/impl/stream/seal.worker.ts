/// <reference lib="webworker" />
import { servePipe } from './batch-pipe';
import { openSealStages, type SealJob } from './seal-off-thread';

/**
 * The encrypting stage of a streamed encryption on a core of its own: WebCrypto and the MDC's
 * SHA-1, while the first thread reads, encodes and hashes for the signature, and the armor worker
 * (through the port each job brings) armors and writes the message out.
 */
servePipe(self as unknown as DedicatedWorkerGlobalScope, (job: SealJob & { armorPort: MessagePort }) =>
  openSealStages(job, job.armorPort),
);
