import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJmapClient } from '../jmap/client';
import type { JmapSession } from '../jmap/session';
import { xhrPost } from './xhr-post';

type Outcome = { status: number; body?: string; headers?: string } | 'network-error' | 'hang';

/** An XMLHttpRequest that sends its body in four steps, then answers with `outcome`. */
function fakeXhr(outcome: Outcome) {
  const made: FakeXhr[] = [];
  class FakeXhr {
    status = 0;
    statusText = '';
    response: Blob | null = null;
    responseType = '';
    withCredentials = true;
    method = '';
    url = '';
    requestHeaders: Record<string, string> = {};
    body: Blob | null = null;
    aborted = false;
    responseHeaders = '';
    upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    ontimeout: (() => void) | null = null;
    onabort: (() => void) | null = null;
    constructor() {
      made.push(this);
    }
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.requestHeaders[name] = value;
    }
    getAllResponseHeaders() {
      return this.responseHeaders;
    }
    abort() {
      this.aborted = true;
      queueMicrotask(() => this.onabort?.());
    }
    send(body: Blob) {
      this.body = body;
      void (async () => {
        for (let step = 1; step <= 4; step++) {
          await new Promise((ok) => setTimeout(ok, 1));
          if (this.aborted) return;
          const loaded = Math.round((body.size * step) / 4);
          this.upload.onprogress?.({ loaded, total: body.size, lengthComputable: true } as ProgressEvent);
        }
        if (outcome === 'hang') return;
        if (outcome === 'network-error') return this.onerror?.();
        this.status = outcome.status;
        this.response = new Blob([outcome.body ?? '']);
        this.responseHeaders = outcome.headers ?? '';
        this.onload?.();
      })();
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return made;
}

afterEach(() => vi.unstubAllGlobals());

describe('xhrPost', () => {
  it('reports the progress and answers as fetch would, headers included, never with credentials', async () => {
    const made = fakeXhr({ status: 201, body: '{"ok":1}', headers: 'Content-Type: application/json\r\nX-A: b' });
    const seen: [number, number][] = [];
    const response = await xhrPost(
      'https://jmap.example/upload',
      { headers: { Authorization: 'Basic x' }, body: new Blob([new Uint8Array(400)]) },
      (sent, total) => seen.push([sent, total]),
    );
    expect(seen).toEqual([
      [100, 400],
      [200, 400],
      [300, 400],
      [400, 400],
    ]);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: 1 });
    expect(made[0]).toMatchObject({
      method: 'POST',
      withCredentials: false,
      requestHeaders: { Authorization: 'Basic x' },
    });
  });

  it('fails as fetch does: a TypeError when the network fails, the abort reason when aborted', async () => {
    fakeXhr('network-error');
    const body = new Blob(['x']);
    await expect(xhrPost('https://jmap.example/u', { headers: {}, body }, () => {})).rejects.toBeInstanceOf(TypeError);
    const made = fakeXhr('hang');
    const controller = new AbortController();
    const posting = xhrPost('https://jmap.example/u', { headers: {}, body, signal: controller.signal }, () =>
      controller.abort(),
    );
    await expect(posting).rejects.toMatchObject({ name: 'AbortError' });
    expect(made[0]!.aborted).toBe(true);
    await expect(
      xhrPost('https://jmap.example/u', { headers: {}, body, signal: controller.signal }, () => {}),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(made).toHaveLength(1); // aborted before it started: no request at all
  });
});

describe('a JMAP upload with progress', () => {
  const session = {
    accountId: 'A',
    apiUrl: 'https://jmap.example/api',
    uploadUrl: 'https://jmap.example/upload/{accountId}/',
    sessionUrl: 'https://jmap.example/.well-known/jmap',
    core: { maxSizeUpload: 1000 },
  } as unknown as JmapSession;
  const MiB = 1024 * 1024;
  const client = () =>
    createJmapClient({
      session: { ...session, core: { maxSizeUpload: 10 * MiB } } as JmapSession,
      auth: { kind: 'basic', username: 'u', password: 'p' },
      fetch: async () => Response.json({ blobId: 'F1', size: 10, type: 'message/rfc822' }, { status: 201 }),
    });

  it('goes through XMLHttpRequest from 1 MiB and reads the answer; smaller ones through fetch', async () => {
    const made = fakeXhr({ status: 201, body: '{"blobId":"B1","size":1048576,"type":"message/rfc822"}' });
    const seen: number[] = [];
    const answer = await client().upload(new Blob([new Uint8Array(MiB)]), 'message/rfc822', undefined, (sent) =>
      seen.push(sent),
    );
    expect(answer.blobId).toBe('B1');
    expect(seen.at(-1)).toBe(MiB);
    const small = await client().upload(new Blob([new Uint8Array(MiB - 1)]), 'message/rfc822', undefined, () => {});
    expect(small.blobId).toBe('F1');
    expect(made).toHaveLength(1);
  });

  it('maps the server’s refusals and a lost connection to the same errors as without progress', async () => {
    fakeXhr({
      status: 413,
      body: '{"type":"urn:ietf:params:jmap:error:limit","limit":"maxSizeUpload","detail":"Too big."}',
    });
    const body = new Blob([new Uint8Array(MiB)]);
    await expect(client().upload(body, 'message/rfc822', undefined, () => {})).rejects.toMatchObject({
      code: 'jmap/too-large',
      detail: 'Too big.',
    });
    fakeXhr({ status: 401 });
    await expect(client().upload(body, 'message/rfc822', undefined, () => {})).rejects.toMatchObject({
      code: 'jmap/unauthorized',
    });
    fakeXhr('network-error');
    await expect(client().upload(body, 'message/rfc822', undefined, () => {})).rejects.toMatchObject({
      code: 'jmap/upload-failed',
    });
  });
});
