import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A view's h1. It takes focus when the view appears, so keyboard and screen-reader users land
 * in the new view after navigating (views load lazily, so only the view knows when it is there).
 */
export function ViewTitle({ id, children }: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 id={id} ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
