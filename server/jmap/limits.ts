/** Limits advertised in the session (RFC 8620 §2 core capability) and enforced by the server. */
export type ServerLimits = {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
  maxRecipients: number;
  maxMessageSize: number;
  /**
   * Not a JMAP capability: the largest response the server builds (a chain of result references can
   * double a response with every call); past it the request fails with a `limit` error.
   */
  maxSizeResponse: number;
  /** Not a JMAP capability: bytes of blobs one account may store (ACCOUNT_QUOTA_BYTES). */
  accountQuota: number;
};

export const DEFAULT_LIMITS: ServerLimits = {
  maxSizeUpload: 100 * 1024 * 1024,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10 * 1024 * 1024,
  maxConcurrentRequests: 4,
  maxCallsInRequest: 64,
  maxObjectsInGet: 1000,
  maxObjectsInSet: 1000,
  maxRecipients: 100,
  maxMessageSize: 100 * 1024 * 1024,
  maxSizeResponse: 16 * 1024 * 1024,
  accountQuota: 2 * 1024 * 1024 * 1024,
};
