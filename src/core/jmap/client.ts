import { AppError } from '../errors/app-error';
import { authorizationHeader, type JmapAuth } from './auth';
import { createSlots } from './request-slots';
import { loadCode } from '../load-once';
import type { UploadProgress } from '../net/xhr-post';
import { type FetchFn, type JmapSession, sessionTemplateUrl } from './session';
import type { Invocation, JmapRequest, JmapResponse, UploadResponse } from './types';

/** RFC 7807 problem details from a request-level JMAP error (RFC 8620 §3.6.1). */
export type ProblemDetails = { type?: string; status?: number; detail?: string; limit?: string };

export interface JmapClient {
  readonly session: JmapSession;
  /** One API request; returns the raw `methodResponses` (an implicit call may share a call id). */
  request(request: JmapRequest, signal?: AbortSignal): Promise<JmapResponse>;
  /** `onProgress`: where the browser can tell (XMLHttpRequest), how much of the body has gone. */
  upload(
    body: Uint8Array | Blob,
    type: string,
    signal?: AbortSignal,
    onProgress?: UploadProgress,
  ): Promise<UploadResponse>;
  download(options: { blobId: string; name: string; type: string; signal?: AbortSignal }): Promise<Uint8Array>;
  /** The same as a Blob: a large download is never copied into the page's memory. */
  downloadBlob(options: { blobId: string; name: string; type: string; signal?: AbortSignal }): Promise<Blob>;
  /** The download URL of a blob, for a fetch made elsewhere (the worker) with authorization(). */
  downloadUrl(options: { blobId: string; name: string; type: string }): string;
  /**
   * The push stream (RFC 8620 §7.3), read with fetch because an EventSource cannot send
   * Authorization. Throws `jmap/no-push` when the session offers none.
   */
  eventStream(
    options: { types: string[]; closeAfter: 'state' | 'no'; pingSeconds: number },
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  /**
   * The Authorization header of this session, for the companion's publishing API, which checks
   * these same credentials with the JMAP server (never stored or logged there).
   */
  authorization(): string;
}

const REQUEST_ERROR_PREFIX = 'urn:ietf:params:jmap:error:';

/** Smaller uploads are over before progress would be worth showing: they go through plain fetch. */
const PROGRESS_FROM_BYTES = 1024 * 1024;

async function readProblem(response: Response): Promise<ProblemDetails | null> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null ? (body as ProblemDetails) : null;
  } catch {
    return null;
  }
}

/** Map a non-2xx HTTP answer to an AppError, keeping request-level errors apart from method-level ones. */
export async function requestError(response: Response, what: string): Promise<AppError> {
  const httpStatus = response.status;
  if (httpStatus === 401) return new AppError('jmap/unauthorized', `${what}: HTTP 401`, { httpStatus });
  if (httpStatus === 403) return new AppError('jmap/forbidden', `${what}: HTTP 403`, { httpStatus });
  const problem = await readProblem(response);
  const type = problem?.type?.startsWith(REQUEST_ERROR_PREFIX)
    ? problem.type.slice(REQUEST_ERROR_PREFIX.length)
    : undefined;
  const facts = { httpStatus, ...(type ? { jmapErrorType: type } : {}) };
  if (httpStatus === 413 || type === 'limit') {
    const limit = problem?.limit ? ` (limit: ${problem.limit})` : '';
    return new AppError('jmap/too-large', `${what}: HTTP ${httpStatus}${limit}`, {
      detail: problem?.detail ?? undefined,
      ...facts,
    });
  }
  const detail = problem?.detail ?? (type ? `Server error: ${type}.` : `HTTP status ${httpStatus}.`);
  return new AppError('jmap/request-failed', `${what}: HTTP ${httpStatus} ${type ?? ''}`.trim(), { detail, ...facts });
}

function isJmapResponse(body: unknown): body is JmapResponse {
  return typeof body === 'object' && body !== null && Array.isArray((body as JmapResponse).methodResponses);
}

/** Only large uploads go through XMLHttpRequest (for their progress): its code loads with the first. */
const xhrCode = loadCode(() => import('../net/xhr-post'));

export function createJmapClient(options: {
  session: JmapSession;
  auth: JmapAuth;
  fetch: FetchFn;
  onSessionStateChange?: (newState: string) => void;
}): JmapClient {
  const { session, auth } = options;
  const fetchFn = options.fetch;
  const authHeader = authorizationHeader(auth);
  const core = session.core;
  const lockName = `jmap/${new URL(session.apiUrl).host}/${session.accountId}`;
  const requestSlots = createSlots({ max: numberOr(core.maxConcurrentRequests, 4), name: `${lockName}/request` });
  const uploadSlots = createSlots({ max: numberOr(core.maxConcurrentUpload, 4), name: `${lockName}/upload` });

  async function send(url: string, init: RequestInit, what: string, onProgress?: UploadProgress): Promise<Response> {
    const body = init.body;
    const large =
      onProgress && typeof XMLHttpRequest === 'function' && body instanceof Blob && body.size >= PROGRESS_FROM_BYTES
        ? { body, onProgress }
        : null;
    const xhrPost = large ? (await xhrCode()).xhrPost : null;
    let response: Response;
    try {
      response =
        xhrPost && large
          ? await xhrPost(
              url,
              {
                headers: init.headers as Record<string, string>,
                body: large.body,
                ...(init.signal ? { signal: init.signal } : {}),
              },
              large.onProgress,
            )
          : await fetchFn(url, { ...init, credentials: 'omit', cache: 'no-store' });
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      throw new AppError('jmap/unreachable', `${what}: network error`, { cause });
    }
    if (!response.ok) throw await requestError(response, what);
    return response;
  }

  async function callApi(request: JmapRequest, signal?: AbortSignal): Promise<JmapResponse> {
    const response = await send(
      session.apiUrl,
      {
        method: 'POST',
        headers: { Authorization: authHeader, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(request),
        ...(signal ? { signal } : {}),
      },
      `JMAP ${request.methodCalls.map(([name]) => name).join(', ')}`,
    );
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new AppError('jmap/request-failed', 'API answer is not JSON', { cause });
    }
    if (!isJmapResponse(body)) throw new AppError('jmap/request-failed', 'API answer is not a JMAP response');
    if (body.sessionState && body.sessionState !== session.state) options.onSessionStateChange?.(body.sessionState);
    return body;
  }

  async function upload(
    body: Uint8Array | Blob,
    type: string,
    signal?: AbortSignal,
    onProgress?: UploadProgress,
  ): Promise<UploadResponse> {
    const url = sessionTemplateUrl(session, session.uploadUrl, { accountId: session.accountId });
    const maxSize = session.core.maxSizeUpload;
    const size = body instanceof Blob ? body.size : body.byteLength;
    if (typeof maxSize === 'number' && size > maxSize) {
      throw new AppError('jmap/too-large', `Upload of ${size} bytes exceeds maxSizeUpload ${maxSize}`, {
        detail: `The server accepts at most ${formatBytes(maxSize)}; this message is ${formatBytes(size)}.`,
      });
    }
    const payload = body instanceof Blob ? body : new Blob([body as Uint8Array<ArrayBuffer>], { type });
    let response: Response;
    try {
      response = await send(
        url,
        {
          method: 'POST',
          headers: { Authorization: authHeader, 'Content-Type': type },
          body: payload,
          ...(signal ? { signal } : {}),
        },
        'Upload',
        onProgress,
      );
    } catch (e) {
      if (e instanceof AppError && e.code === 'jmap/unreachable') {
        throw new AppError('jmap/upload-failed', 'Upload: network error', { cause: e });
      }
      throw e;
    }
    const json = (await response.json()) as Partial<UploadResponse>;
    if (typeof json.blobId !== 'string') throw new AppError('jmap/upload-failed', 'Upload answer has no blobId');
    return {
      accountId: json.accountId ?? session.accountId,
      blobId: json.blobId,
      type: json.type ?? type,
      size: json.size ?? size,
    };
  }

  function downloadUrl({ blobId, name, type }: { blobId: string; name: string; type: string }): string {
    return sessionTemplateUrl(session, session.downloadUrl, { accountId: session.accountId, blobId, name, type });
  }

  const fetchDownload = ({ blobId, name, type, signal }: Parameters<JmapClient['download']>[0]) =>
    send(
      downloadUrl({ blobId, name, type }),
      { method: 'GET', headers: { Authorization: authHeader }, ...(signal ? { signal } : {}) },
      'Download',
    );

  return {
    session,
    authorization: () => authHeader,
    request: (request, signal) => requestSlots(() => callApi(request, signal)),
    upload: (body, type, signal, onProgress) => uploadSlots(() => upload(body, type, signal, onProgress)),
    downloadUrl,
    async download(options) {
      return new Uint8Array(await (await fetchDownload(options)).arrayBuffer());
    },
    async downloadBlob(options) {
      return (await fetchDownload(options)).blob();
    },
    async eventStream({ types, closeAfter, pingSeconds }, signal) {
      if (!session.eventSourceUrl) throw new AppError('jmap/no-push', 'The server offers no push (eventSourceUrl)');
      const url = sessionTemplateUrl(session, session.eventSourceUrl, {
        types: types.join(','),
        closeafter: closeAfter,
        ping: String(pingSeconds),
      });
      const response = await send(
        url,
        {
          method: 'GET',
          headers: { Authorization: authHeader, Accept: 'text/event-stream' },
          ...(signal ? { signal } : {}),
        },
        'Push',
      );
      if (!response.body || !/^text\/event-stream/i.test(response.headers.get('Content-Type') ?? ''))
        throw new AppError('jmap/no-push', 'The push URL does not answer with an event stream');
      return response.body;
    },
  };
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A method-level error (RFC 8620 §3.6.2) found in place of an expected response. */
export class JmapMethodError extends AppError {
  constructor(
    readonly type: string,
    readonly methodName: string,
    description?: string,
  ) {
    super('jmap/method-error', `${methodName} failed: ${type}${description ? ` (${description})` : ''}`, {
      detail: description ? `${type}: ${description}` : `Server error: ${type}.`,
      jmapErrorType: type,
    });
  }
}

/**
 * The response to `callId` named `name`. Matching by name and call id matters: the implicit
 * `Email/set` after `EmailSubmission/set` carries the same call id (RFC 8621 §7.5).
 * Throws JmapMethodError when the server answered with an `error` invocation instead.
 */
export function getMethodResponse<T = Record<string, unknown>>(
  responses: Invocation[],
  name: string,
  callId: string,
): T {
  for (const [respName, args, id] of responses) {
    if (id !== callId) continue;
    if (respName === name) return args as T;
    if (respName === 'error') {
      throw new JmapMethodError(
        String(args.type ?? 'serverFail'),
        name,
        typeof args.description === 'string' ? args.description : undefined,
      );
    }
  }
  throw new AppError('jmap/method-error', `No ${name} response for call ${callId}`);
}
