import { openSpool } from '../../../bytes/spool';
import { ArmorSink } from '../armor';
import type { StagedOutput } from './batch-pipe';

export type ArmorJob = { withChecksum: boolean; expectedBytes: number };

/**
 * Armor a binary message on this thread into a spool (a file where one can be written, else Blobs
 * of `blobPiece` bytes): write the message, close, then take the Blob.
 */
export async function armorHere(job: ArmorJob, blobPiece?: number): Promise<StagedOutput> {
  const output = await openSpool(job.expectedBytes, blobPiece);
  const armor = new ArmorSink(output, job.withChecksum);
  return { sink: armor, blob: () => output.finish(), abort: () => output.abort() };
}
