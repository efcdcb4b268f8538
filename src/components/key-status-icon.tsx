export type KeyStatus = 'pending' | 'valid' | 'none' | 'invalid' | 'changed' | 'error';

const WORDS: Record<KeyStatus, string> = {
  pending: 'Looking for a key',
  valid: 'Key found: can be encrypted',
  none: 'No key: cannot be encrypted',
  invalid: 'Key unusable: cannot be encrypted',
  changed: 'Key changed: check before encrypting',
  error: 'Key lookup failed: unknown whether there is a key',
};

/** Closed padlock for a usable key, open padlock otherwise; the badge tells problems apart. */
function Glyph({ status }: { status: KeyStatus }) {
  const closed = status === 'valid';
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path
        d={closed ? 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2' : 'M4.5 7V5a3.5 3.5 0 0 1 6.8-1.2'}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
      />
      <rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
      {(status === 'invalid' || status === 'changed' || status === 'error') && (
        <circle cx="13" cy="3" r="3" fill="#a4161a" />
      )}
      {status === 'pending' && <circle cx="13" cy="3" r="2.5" fill="none" stroke="currentColor" strokeWidth="1.2" />}
    </svg>
  );
}

export const keyStatusWords = (status: KeyStatus) => WORDS[status];

/** The key icon beside an address: icon, colour and words, so the status is never only a colour. */
export function KeyStatusIcon({ status, subject }: { status: KeyStatus; subject: string }) {
  return (
    <span
      className={`key-icon key-${status}`}
      role="img"
      aria-label={`${WORDS[status]} (${subject})`}
      title={WORDS[status]}
    >
      <Glyph status={status} />
    </span>
  );
}

/** The same icon as a button that opens the key details (keyboard and screen readers included). */
export function KeyStatusButton({
  status,
  subject,
  expanded,
  controls,
  onClick,
}: {
  status: KeyStatus;
  subject: string;
  expanded: boolean;
  controls: string;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={`key-icon key-button key-${status}`}
      aria-label={`${WORDS[status]} (${subject})`}
      aria-expanded={expanded}
      aria-controls={controls}
      title={WORDS[status]}
      onClick={onClick}
    >
      <Glyph status={status} />
    </button>
  );
}
