import { CODE_UNAVAILABLE_MESSAGE } from '../load-once';
import { type AppError, type ErrorCode, toAppError } from './app-error';

const USER_MESSAGES: Record<ErrorCode, string> = {
  'app/code-unavailable': CODE_UNAVAILABLE_MESSAGE,
  'jmap/unreachable':
    'The server could not be reached. Check the address and your connection; if the server is on another origin it must allow this app (CORS).',
  'jmap/unauthorized': 'The server refused the user name or password.',
  'jmap/forbidden': 'The server refused access to this account.',
  'jmap/not-jmap': 'That address did not answer as a JMAP server (no JMAP session found there).',
  'jmap/missing-capability': 'This JMAP server does not offer what the composer needs (mail and mail submission).',
  'jmap/no-account': 'The server did not name an account for mail and submission.',
  'jmap/read-only-account': 'This mail account is read-only, so mail cannot be sent from it.',
  'jmap/request-failed': 'The mail server rejected the request.',
  'jmap/method-error': 'The mail server could not carry out the request.',
  'jmap/upload-failed': 'Uploading the message to the mail server failed. Nothing was sent; you can try again.',
  'jmap/too-large': 'The message is larger than the mail server accepts.',
  'jmap/no-drafts-mailbox': 'The account has no Drafts mailbox, so the message cannot be stored before sending.',
  'jmap/import-failed': 'The mail server did not accept the message. Nothing was sent.',
  'jmap/submission-failed': 'The mail server refused to send the message.',
  'jmap/no-push': 'The server offers no push; new mail is checked for every few seconds instead.',
  'mime/invalid-address': 'Some recipient addresses are not valid.',
  'mime/no-recipients': 'Add at least one recipient.',
  'mime/invalid-input': 'The message could not be built.',
  'send/no-identity': 'Choose a From address that this account may send from.',
  'storage/unavailable': 'The browser storage is not available.',
  'keys/empty': 'Paste a key or choose a key file first.',
  'keys/bad-armor': 'The armored key is damaged (bad armor): it could not be decoded.',
  'keys/bad-checksum': 'The armored key is damaged: its checksum does not match (bad armor checksum).',
  'keys/not-openpgp': 'This is not OpenPGP key data.',
  'keys/not-a-key': 'This is OpenPGP data, but not a key.',
  'keys/armor-mismatch': 'The armor header does not match its content.',
  'keys/too-large': 'The key data is too large.',
  'keys/invalid-input': 'The key details are not valid.',
  'keys/nothing-to-store': 'None of the keys could be stored.',
  'draft/no-own-key':
    'Encrypted drafts need a key bound to your From address (see Keys); the draft was not saved on the server.',
  'draft/unreadable': 'This draft could not be read.',
  'crypto/bad-passphrase': 'Wrong passphrase.',
  'crypto/weak-passphrase': 'Choose a longer passphrase.',
  'crypto/key-locked': 'The key is locked: unlock it with its passphrase first.',
  'crypto/unavailable': 'The encryption engine could not be started in this browser.',
  'crypto/failed': 'The OpenPGP operation failed.',
  'crypto/integrity': 'The message was altered or is not integrity-protected: nothing of it is shown.',
  'crypto/too-large': 'The message unpacks to more than this account may receive: it was not opened.',
  'keystore/unavailable': 'The keystore (browser storage) is not available.',
  'keystore/quota': 'The browser refused to store more data (storage quota exceeded). Nothing was stored.',
  'keystore/not-found': 'That key is not in the keystore.',
  'keystore/newer-schema': 'The keystore was written by a newer version of this app; it was left untouched.',
  'keystore/not-eligible': 'That key cannot be used for this address.',
  'publish/refused': 'The key directory refused to publish the key.',
  'publish/unreachable': 'The key directory could not be reached.',
  'unlock/cancelled': 'The key was not unlocked.',
  'unlock/superseded': 'Another request to unlock a key came first.',
  unknown: 'Something went wrong.',
};

/** The sentence a person reads: the code's message plus any specific detail. */
export function userMessage(error: unknown): string {
  const e: AppError = toAppError(error);
  const base = USER_MESSAGES[e.code];
  return e.detail ? `${base} ${e.detail}` : base;
}
