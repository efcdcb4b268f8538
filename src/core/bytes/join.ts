/** The pieces one after another, in one new array. */
export function joinBytes(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Everything a stream yields, in one array. */
export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (const reader = stream.getReader(); ;) {
    const { value, done } = await reader.read();
    if (done) return joinBytes(pieces);
    pieces.push(value);
  }
}

/** Read a stream to its end, keeping nothing. */
export async function discard(stream: ReadableStream<unknown>): Promise<void> {
  for (const reader = stream.getReader(); ;) if ((await reader.read()).done) return;
}
