/** JMAP data shapes (RFC 8620 core, RFC 8621 mail), limited to what the composer and its server use. */

export const CAPABILITY = {
  core: 'urn:ietf:params:jmap:core',
  mail: 'urn:ietf:params:jmap:mail',
  submission: 'urn:ietf:params:jmap:submission',
} as const;

export const SEND_USING = [CAPABILITY.core, CAPABILITY.mail, CAPABILITY.submission];

export type Id = string;

export type CoreCapability = {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
  collationAlgorithms: string[];
};

export type SessionAccount = {
  name: string;
  isPersonal: boolean;
  isReadOnly: boolean;
  accountCapabilities: Record<string, unknown>;
};

export type JmapSessionResource = {
  capabilities: Record<string, unknown>;
  accounts: Record<Id, SessionAccount>;
  primaryAccounts: Record<string, Id>;
  username: string;
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  state: string;
};

/** An Invocation: [name, arguments, method call id]. */
export type Invocation = [name: string, args: Record<string, unknown>, callId: string];

export type JmapRequest = {
  using: string[];
  methodCalls: Invocation[];
  createdIds?: Record<Id, Id>;
};

export type JmapResponse = {
  methodResponses: Invocation[];
  createdIds?: Record<Id, Id>;
  sessionState: string;
};

export type EmailAddress = { name: string | null; email: string };

export type Identity = {
  id: Id;
  name: string;
  email: string;
  replyTo: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
  textSignature: string;
  htmlSignature: string;
  mayDelete: boolean;
};

export type Mailbox = {
  id: Id;
  name: string;
  parentId: Id | null;
  role: string | null;
  sortOrder: number;
  totalEmails: number;
  unreadEmails: number;
  totalThreads: number;
  unreadThreads: number;
  myRights: Record<string, boolean>;
  isSubscribed: boolean;
};

export type Email = {
  id: Id;
  blobId: Id;
  threadId: Id;
  mailboxIds: Record<Id, boolean>;
  keywords: Record<string, boolean>;
  size: number;
  receivedAt: string;
  messageId: string[] | null;
  inReplyTo: string[] | null;
  references: string[] | null;
  sender: EmailAddress[] | null;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  subject: string | null;
  sentAt: string | null;
  hasAttachment: boolean;
  preview: string;
  /** The raw top-level Content-Type (RFC 8621 §4.1.3), absent when a server does not give it. */
  'header:Content-Type:asRaw'?: string | null;
};

export type Envelope = {
  mailFrom: { email: string; parameters: Record<string, string | null> | null };
  rcptTo: { email: string; parameters: Record<string, string | null> | null }[];
};

/** RFC 8620 §5.3 SetError, with the extra properties RFC 8621 §7.5 defines for submissions. */
export type SetError = {
  type: string;
  description?: string;
  properties?: string[];
  existingId?: Id;
  maxRecipients?: number;
  invalidRecipients?: string[];
  maxSize?: number;
  notFound?: Id[];
};

export type UploadResponse = { accountId: Id; blobId: Id; type: string; size: number };
