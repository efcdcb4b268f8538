import { armorHere, type ArmorJob } from './armor-stage';
import { pipeTo, type StagedOutput } from './batch-pipe';
import { PartialPacket } from './packets';
import { openSeipd, type SymmetricName } from './seipd';

/** What the sealing stage needs: the session key packets go out as they are, the rest is encrypted with the session key. */
export type SealJob = {
  sessionKey: { data: Uint8Array; algorithm: SymmetricName; aeadAlgorithm?: string };
  /** The Public-Key Encrypted Session Key packets, one per recipient key. */
  keyPackets: Uint8Array;
  /** About how large the plaintext is: whether the output goes to a spool file. */
  expectedBytes: number;
};

/**
 * The stages after the plaintext packets: the Symmetrically Encrypted Integrity Protected Data
 * packet after the key packets, armored through `armorPort` (to the armor worker) or here.
 */
export async function openSealStages(job: SealJob, armorPort: MessagePort | null): Promise<StagedOutput> {
  // RFC 9580 forbids the CRC-24 line after SEIPDv2; after SEIPDv1 it is written (see ArmorSink).
  const armorJob: ArmorJob = { withChecksum: !job.sessionKey.aeadAlgorithm, expectedBytes: job.expectedBytes };
  const output = armorPort
    ? pipeTo(armorPort, armorJob, { stopped: 'the armor worker stopped' })
    : await armorHere(armorJob);
  try {
    await output.sink.write(job.keyPackets);
    const sink = await openSeipd(job.sessionKey, new PartialPacket(18, output.sink));
    return { ...output, sink };
  } catch (e) {
    output.abort();
    throw e;
  }
}

let workers: { seal: Worker; armor: Worker } | null = null;
let busy: Promise<void> = Promise.resolve();

/**
 * Encrypt in a worker of its own and armor in another, when this thread may start them (the
 * browser), else here (Node tests). In a worker, WebCrypto encrypts on the calling thread and
 * hands each result over in new memory (for 137 MB of AES-GCM, 400–490 ms on a 2-core VM, where
 * OpenSSL takes 45). On the thread that also reads, base64-encodes and hashes for the signature,
 * that made the thread the whole message's bottleneck; with the armor on the same thread as the
 * encryption, that one was. Jobs are queued: one message is sealed at a time.
 */
export async function openSealing(job: SealJob): Promise<StagedOutput> {
  if (typeof Worker === 'undefined') return openSealStages(job, null);
  const previous = busy;
  let release!: () => void;
  busy = new Promise<void>((ok) => (release = ok));
  await previous;
  try {
    workers ??= {
      seal: new Worker(new URL('./seal.worker.ts', import.meta.url), { type: 'module', name: 'seal' }),
      armor: new Worker(new URL('./armor.worker.ts', import.meta.url), { type: 'module', name: 'armor' }),
    };
  } catch {
    release();
    return openSealStages(job, null);
  }
  const { seal, armor } = workers;
  const channel = new MessageChannel();
  armor.postMessage({ type: 'port', port: channel.port1 }, [channel.port1]);
  return pipeTo(
    seal,
    { ...job, armorPort: channel.port2 },
    {
      transfer: [channel.port2],
      watch: [armor],
      settled: release,
      stopped: 'an encrypting worker stopped',
      // The other may wait for the dead one for good: the next message gets two new workers.
      onStopped() {
        seal.terminate();
        armor.terminate();
        if (workers?.seal === seal) workers = null;
      },
    },
  );
}
