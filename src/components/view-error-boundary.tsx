import type { ReactNode } from 'react';
import { ErrorBoundary, type FallbackProps } from 'react-error-boundary';
import { isAppError } from '@/core/errors/app-error';
import { CODE_UNAVAILABLE_MESSAGE } from '@/core/load-once';

function ViewFailed({ error, resetErrorBoundary }: FallbackProps) {
  return (
    <div role="alert" className="alert">
      <p>
        This view failed to show{isAppError(error, 'app/code-unavailable') ? `: ${CODE_UNAVAILABLE_MESSAGE}` : '.'} What
        you entered is kept; nothing was sent or deleted.
      </p>
      <button type="button" onClick={resetErrorBoundary}>
        Try again
      </button>
    </div>
  );
}

/**
 * Around each view: a render error in one part (a recipient chip, a key entry) shows an alert in
 * that view instead of a blank page, and the rest of the app (navigation, sign-out) keeps working.
 * `resetKey` (the route) gives a fresh try when the user goes elsewhere.
 */
export function ViewErrorBoundary({ resetKey, children }: { resetKey: string; children: ReactNode }) {
  return (
    <ErrorBoundary FallbackComponent={ViewFailed} resetKeys={[resetKey]}>
      {children}
    </ErrorBoundary>
  );
}
