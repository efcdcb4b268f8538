import { bccEdit } from '../jmap/message-parse';

/** A whole message without its Bcc fields, as recipients get it (the server streams it, see bccEdit). For tests. */
export function stripBccHeader(bytes: Uint8Array): Uint8Array {
  const edit = bccEdit(bytes, true);
  if (!edit) return bytes;
  return new Uint8Array(Buffer.concat([edit.head, bytes.subarray(edit.bodyStart)]));
}
