import { Worker } from 'node:worker_threads';

/**
 * scrypt in worker threads of its own: hashing a password takes tens of milliseconds of CPU, which
 * on the event loop stalls every other request, and in libuv's four-thread pool competes with file
 * reads and DNS. Jobs queue here; beyond `maxQueue` waiting jobs a check is refused (busy) rather
 * than letting one client's flood grow the queue without bound.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', ({ id, password, salt, keylen }) => {
  try {
    const hash = scryptSync(password, Buffer.from(salt), keylen);
    parentPort.postMessage({ id, hash });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  }
});`;

type Job = {
  id: number;
  password: string;
  salt: Uint8Array;
  keylen: number;
  resolve: (hash: Buffer) => void;
  reject: (e: Error) => void;
};

export class PoolBusy extends Error {}

export function createHashPool(options: { size?: number; maxQueue?: number } = {}) {
  const size = options.size ?? 2;
  const maxQueue = options.maxQueue ?? 256;
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, Job>();
  let nextId = 0;

  const dispatch = () => {
    while (idle.length && queue.length) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      running.set(worker, job);
      worker.postMessage({ id: job.id, password: job.password, salt: job.salt, keylen: job.keylen });
    }
  };
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (answer: { hash?: Uint8Array; error?: string }) => {
      const job = running.get(worker);
      running.delete(worker);
      idle.push(worker);
      if (job) {
        if (answer.hash) job.resolve(Buffer.from(answer.hash));
        else job.reject(new Error(answer.error ?? 'scrypt failed'));
      }
      dispatch();
    });
    idle.push(worker);
    return worker;
  });

  return {
    scrypt(password: string, salt: Uint8Array, keylen: number): Promise<Buffer> {
      if (queue.length >= maxQueue) return Promise.reject(new PoolBusy('Too many password checks waiting'));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, password, salt, keylen, resolve, reject });
        dispatch();
      });
    },
    async close(): Promise<void> {
      for (const job of queue.splice(0)) job.reject(new Error('closed'));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export type HashPool = ReturnType<typeof createHashPool>;
