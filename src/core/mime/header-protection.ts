/** RFC 9788 §4.2: the outer Subject of an encrypted message (hcp_baseline). A module of its own: views compare against it without loading the MIME builder. */
export const PROTECTED_SUBJECT = '[...]';
