// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ViewErrorBoundary } from './view-error-boundary';

afterEach(cleanup);

let broken = true;
function Chip() {
  if (broken) throw new Error('render failed');
  return <span>bob@example.test</span>;
}

describe('ViewErrorBoundary', () => {
  it('shows an alert instead of a blank page when a part fails to render, and tries again on request', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined); // React logs the caught error
    render(
      <>
        <nav>Main</nav>
        <ViewErrorBoundary resetKey="compose">
          <Chip />
        </ViewErrorBoundary>
      </>,
    );
    expect(screen.getByRole('alert').textContent).toContain('This view failed to show');
    expect(screen.getByText('Main')).toBeTruthy(); // the rest of the app is still there
    broken = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('bob@example.test')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    quiet.mockRestore();
  });
});
