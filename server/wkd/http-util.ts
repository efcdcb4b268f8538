import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));

export type BodyOutcome =
  { ok: true; value: Record<string, unknown> } | { ok: false; status: 400 | 413 | 415; reason: string };

/** A JSON object body of at most `maxBytes`; anything else is refused with its own status. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyOutcome> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    req.resume();
    return { ok: false, status: 415, reason: 'Send Content-Type: application/json.' };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return { ok: false, status: 413, reason: `The request is larger than ${Math.round(maxBytes / 1024)} KiB.` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      return { ok: false, status: 413, reason: `The request is larger than ${Math.round(maxBytes / 1024)} KiB.` };
    }
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, status: 400, reason: 'The request body is not a JSON object.' };
  }
}
