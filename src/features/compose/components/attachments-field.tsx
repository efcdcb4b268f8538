import { formatBytes } from '@/core/jmap/client';
import { useComposerStore } from '../stores/composer-store';

/** `warning`: a size limit the server advertises but may not apply (see SizeLimits). */
export function AttachmentsField({ id, warning }: { id: string; warning: string | null }) {
  const attachments = useComposerStore((s) => s.attachments);
  const addFiles = useComposerStore((s) => s.addFiles);
  const removeAttachment = useComposerStore((s) => s.removeAttachment);
  return (
    <div className="attachments">
      <label htmlFor={`${id}-files`}>Attach files</label>
      <input
        id={`${id}-files`}
        type="file"
        multiple
        aria-describedby={warning ? `${id}-files-warning` : undefined}
        onChange={(e) => {
          addFiles(Array.from(e.target.files ?? []));
          e.target.value = '';
        }}
      />
      {warning && (
        <p id={`${id}-files-warning`} className="hint">
          {warning}
        </p>
      )}
      {attachments.length > 0 && (
        <ul aria-label="Attachments" className="attachment-list">
          {attachments.map((a) => (
            <li key={a.id}>
              <span>{a.file.name}</span> <span className="hint">({formatBytes(a.file.size)})</span>
              <button
                type="button"
                className="link-button"
                aria-label={`Remove attachment ${a.file.name}`}
                onClick={() => removeAttachment(a.id)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
