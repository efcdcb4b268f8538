/** The BroadcastChannel on which tabs tell each other of keystore writes (see KeystoreChange). */
export const KEYSTORE_CHANNEL = 'pgp-composer-keystore';
