import { useEffect, useState } from 'react';

const LABELS = ['very weak', 'weak', 'fair', 'good', 'strong'];

/** A strength hint, from zxcvbn's pattern checks (loaded only when the form is used). */
export function PassphraseStrength({ passphrase, id }: { passphrase: string; id: string }) {
  const [score, setScore] = useState<number | null>(null);
  useEffect(() => {
    let current = true;
    if (!passphrase) return;
    void import('@zxcvbn-ts/core').then(({ ZxcvbnFactory }) => {
      if (current) setScore(new ZxcvbnFactory().check(passphrase).score);
    });
    return () => {
      current = false;
    };
  }, [passphrase]);
  const shown = passphrase ? score : null;
  return (
    <p id={id} className="hint" aria-live="polite">
      {passphrase.length > 0 && passphrase.length < 8
        ? 'At least 8 characters.'
        : shown === null
          ? 'Use a long passphrase: several unrelated words work well.'
          : `Strength: ${LABELS[shown]}${shown < 3 ? ' — add more words.' : '.'}`}
    </p>
  );
}
