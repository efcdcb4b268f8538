import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useMemo, useRef, useState } from 'react';
import type { KeyListEntry } from '@/core/keystore/records';
import { formatDate } from '@/lib/format';

const ROW_HEIGHT = 56;

const STATUS_TEXT: Record<KeyListEntry['status'], string> = {
  valid: 'valid',
  expired: 'expired',
  revoked: 'revoked',
  'no-encryption-subkey': 'no encryption subkey',
  invalid: 'invalid',
};

/** Stored keys, virtualised: only the visible rows exist, so 10,000 keys cost what 20 do. */
export function KeyList({
  entries,
  selected,
  onSelect,
}: {
  entries: KeyListEntry[];
  selected: string | null;
  onSelect: (fingerprint: string) => void;
}) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const sorted = [...entries].sort((a, b) =>
      a.kind !== b.kind ? (a.kind === 'secret' ? -1 : 1) : (a.primaryUserId ?? '').localeCompare(b.primaryUserId ?? ''),
    );
    return f
      ? sorted.filter(
          (e) =>
            e.fingerprint.toLowerCase().includes(f.replace(/\s/g, '')) ||
            (e.primaryUserId ?? '').toLowerCase().includes(f) ||
            e.addresses.some((a) => a.includes(f)),
        )
      : sorted;
  }, [entries, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler here; the virtualizer re-renders on scroll itself
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  return (
    <div className="key-list">
      <label htmlFor={`${id}-filter`}>Search keys</label>
      <input
        id={`${id}-filter`}
        type="text"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        placeholder="Name, address or fingerprint"
      />
      <div
        ref={scroller}
        className="key-scroller"
        style={{ height: Math.min(shown.length * ROW_HEIGHT, 420) || ROW_HEIGHT }}
        tabIndex={-1}
      >
        <ul
          className="plain"
          role="list"
          aria-label="Stored keys"
          style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
        >
          {virtualizer.getVirtualItems().map((row) => {
            const e = shown[row.index]!;
            return (
              <li
                key={e.fingerprint}
                data-fingerprint={e.fingerprint}
                data-key-kind={e.kind}
                aria-setsize={shown.length}
                aria-posinset={row.index + 1}
                className={`key-row${selected === e.fingerprint ? ' selected' : ''}`}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${row.start}px)`,
                }}
              >
                <button
                  type="button"
                  className="key-row-button"
                  aria-current={selected === e.fingerprint ? 'true' : undefined}
                  onClick={() => onSelect(e.fingerprint)}
                >
                  <span className="key-row-title">{e.primaryUserId ?? '(no user ID)'}</span>
                  <span className="hint">
                    {e.kind === 'secret' ? 'Secret key' : 'Public key'} ·{' '}
                    {e.fingerprint.slice(-16).replace(/(.{4})(?=.)/g, '$1 ')} · {STATUS_TEXT[e.status]}
                    {e.expires ? ` · expires ${formatDate(e.expires)}` : ''}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </div>
      {filter && shown.length === 0 && <p>No key matches “{filter}”.</p>}
    </div>
  );
}
