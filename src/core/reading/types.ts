import type { Mailbox } from '../mime/addresses';

/** UI contract `data-encryption`. */
export type EncryptionStatus = 'pending' | 'none' | 'encrypted' | 'partial' | 'failed' | 'no-key' | 'locked';

/** UI contract `data-signature`. */
export type SignatureStatus =
  'pending' | 'unsigned' | 'valid' | 'changed' | 'unknown-key' | 'mismatch' | 'bad' | 'revoked' | 'expired' | 'partial';

/** What protected one part: the message is only "encrypted" or "signed" when every part is. */
export type Coverage = { encrypted: boolean; signed: boolean };

export type ShownPart = Coverage & { kind: 'text' | 'html'; content: string };

export type ShownAttachment<Content = Uint8Array> = Coverage & {
  name: string;
  type: string;
  size: number;
  /**
   * With angle brackets stripped. Only an HTML part of the same payload may refer to it: only the
   * root is ever decrypted, so the same `encrypted` flag means the same payload.
   */
  contentId: string | null;
  content: Content;
};

export type ReadHeaders = {
  from: Mailbox[];
  /** More than one From field, or a field naming several mailboxes. */
  severalFrom: boolean;
  to: Mailbox[];
  cc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  date: string | null;
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
};

export type AutocryptIntake = {
  /** A valid Autocrypt header of the sender (Level 1 §2.1), base64 keydata. */
  header: { address: string; keydata: string; preferEncrypt: boolean } | null;
  /** Gossip from inside a signed and encrypted payload (Level 1 §2.7), for To/Cc addresses only. */
  gossip: { address: string; keydata: string }[];
};

export type OpenedMessage<Content = Uint8Array> = {
  encryption: Exclude<EncryptionStatus, 'pending'>;
  /** Why decryption failed, in words. */
  encryptionProblem: string | null;
  signature: Exclude<SignatureStatus, 'pending'>;
  /** What the signature status means here, in words (names the signer's address on a mismatch). */
  signatureDetail: string | null;
  /** Something true of a signature the status does not say: made far from the message's Date. */
  signatureWarning: string | null;
  /** The signature that decided the status. */
  signer: { fingerprint: string | null; issuer: string; addresses: string[]; created: string | null } | null;
  /** Key IDs of signers none of the given keys matched: look these up, then open again. */
  unknownIssuers: string[];
  headers: ReadHeaders;
  headerProtection: 'rfc9788' | 'v1' | 'none';
  /** Outer header fields a protected message did not list in HP-Outer: added on the way, ignored. */
  injectedHeaders: string[];
  parts: ShownPart[];
  attachments: ShownAttachment<Content>[];
  autocrypt: AutocryptIntake;
};
