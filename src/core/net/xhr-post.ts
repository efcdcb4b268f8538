/** Bytes handed to the network so far, of how many. */
export type UploadProgress = (sent: number, total: number) => void;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * POST `body` with XMLHttpRequest, the one browser API that reports upload progress (fetch has
 * none, and cannot stream a request body over HTTP/1.1). Settles as fetch would: the answer as a
 * Response for any HTTP status, a TypeError when the network fails, the signal's reason when
 * aborted; credentials are never sent.
 */
export function xhrPost(
  url: string,
  init: { headers: Record<string, string>; body: Blob; signal?: AbortSignal },
  onProgress: UploadProgress,
): Promise<Response> {
  const { signal } = init;
  return new Promise((resolve, reject) => {
    const abortReason = () => (signal?.reason as unknown) ?? new DOMException('The upload was aborted.', 'AbortError');
    if (signal?.aborted) return reject(abortReason());
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = false;
    xhr.responseType = 'blob';
    for (const [name, value] of Object.entries(init.headers)) xhr.setRequestHeader(name, value);
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', onAbort);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : init.body.size);
    xhr.onload = () => {
      settle();
      if (xhr.status < 200 || xhr.status > 599) return reject(new TypeError('Upload: no HTTP answer'));
      const headers = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const body = NULL_BODY_STATUS.has(xhr.status) ? null : (xhr.response as Blob | null);
      resolve(new Response(body, { status: xhr.status, statusText: xhr.statusText, headers }));
    };
    xhr.onerror = xhr.ontimeout = () => {
      settle();
      reject(new TypeError('Upload: network error'));
    };
    xhr.onabort = () => {
      settle();
      reject(abortReason());
    };
    xhr.send(init.body);
  });
}
