/**
 * Every error that crosses a module boundary is an AppError: a code from one union,
 * a developer message (never secrets) and an optional cause. People see `userMessage()`.
 */
export type ErrorCode =
  | 'app/code-unavailable'
  | 'jmap/unreachable'
  | 'jmap/unauthorized'
  | 'jmap/forbidden'
  | 'jmap/not-jmap'
  | 'jmap/missing-capability'
  | 'jmap/no-account'
  | 'jmap/read-only-account'
  | 'jmap/request-failed'
  | 'jmap/method-error'
  | 'jmap/upload-failed'
  | 'jmap/too-large'
  | 'jmap/no-drafts-mailbox'
  | 'jmap/import-failed'
  | 'jmap/submission-failed'
  | 'jmap/no-push'
  | 'mime/invalid-address'
  | 'mime/no-recipients'
  | 'mime/invalid-input'
  | 'send/no-identity'
  | 'draft/no-own-key'
  | 'draft/unreadable'
  | 'storage/unavailable'
  | 'keys/empty'
  | 'keys/bad-armor'
  | 'keys/bad-checksum'
  | 'keys/not-openpgp'
  | 'keys/not-a-key'
  | 'keys/armor-mismatch'
  | 'keys/too-large'
  | 'keys/invalid-input'
  | 'keys/nothing-to-store'
  | 'crypto/bad-passphrase'
  | 'crypto/weak-passphrase'
  | 'crypto/key-locked'
  | 'crypto/unavailable'
  | 'crypto/failed'
  | 'crypto/integrity'
  | 'crypto/too-large'
  | 'keystore/unavailable'
  | 'keystore/quota'
  | 'keystore/not-found'
  | 'keystore/newer-schema'
  | 'keystore/not-eligible'
  | 'publish/refused'
  | 'publish/unreachable'
  | 'unlock/cancelled'
  | 'unlock/superseded'
  | 'unknown';

/** What callers decide on besides the code: never the message text. */
export type ErrorFacts = {
  /** The HTTP status of a failed request, when there was an answer. */
  httpStatus?: number;
  /** The JMAP error type (RFC 8620 §3.6), request- or method-level, e.g. `blobNotFound`. */
  jmapErrorType?: string;
};

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  /** Extra words for people, e.g. the server's own description or the addresses concerned. */
  readonly detail: string | undefined;
  readonly httpStatus: number | undefined;
  readonly jmapErrorType: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: string | undefined } & ErrorFacts,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options?.detail;
    this.httpStatus = options?.httpStatus;
    this.jmapErrorType = options?.jmapErrorType;
  }
}

export const toAppError = (e: unknown): AppError =>
  e instanceof AppError ? e : new AppError('unknown', e instanceof Error ? e.message : String(e), { cause: e });

export const isAppError = (e: unknown, code?: ErrorCode): e is AppError =>
  e instanceof AppError && (code === undefined || e.code === code);
