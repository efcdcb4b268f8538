import { useEffect, useMemo, useState } from 'react';
import type { OpenedMessage, ShownAttachment, ShownPart } from '@/core/reading/types';
import { formatBytes } from '@/core/jmap/client';
import { sanitizeMessageHtml } from '../lib/sanitize-html';

type Opened = OpenedMessage<Blob>;

const coverageLabel = (c: { encrypted: boolean; signed: boolean }) =>
  [c.encrypted ? 'encrypted' : 'not encrypted', c.signed ? 'signed' : 'not signed'].join(', ');

/** Image types a data: URL may carry; anything else is tried as PNG (and shows broken if it is not). */
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** data: URLs for the inline images of one payload, read once per message. */
function useCidImages(attachments: ShownAttachment<Blob>[]) {
  const [urls, setUrls] = useState<Map<string, string> | null>(null);
  useEffect(() => {
    let live = true;
    const images = attachments.filter((a) => a.contentId && a.type.startsWith('image/'));
    void Promise.all(
      images.map(
        (a) =>
          new Promise<[string, string]>((resolve) => {
            const reader = new FileReader();
            reader.onload = () => resolve([`${a.encrypted ? 1 : 0}:${a.contentId}`, String(reader.result)]);
            reader.onerror = () => resolve([`${a.encrypted ? 1 : 0}:${a.contentId}`, '']);
            // Typed as the image it says it is (the worker hands every part out as octet-stream).
            reader.readAsDataURL(
              new Blob([a.content], { type: INLINE_IMAGE_TYPES.has(a.type) ? a.type : 'image/png' }),
            );
          }),
      ),
    ).then((entries) => live && setUrls(new Map(entries.filter(([, url]) => url))));
    return () => {
      live = false;
    };
  }, [attachments]);
  return urls;
}

function HtmlPart({ part, index, cids }: { part: ShownPart; index: number; cids: Map<string, string> }) {
  const { document, blocked } = useMemo(
    () => sanitizeMessageHtml(part.content, (id) => cids.get(`${part.encrypted ? 1 : 0}:${id}`) ?? null),
    [part, cids],
  );
  return (
    <>
      {blocked > 0 && (
        <p className="hint" data-remote-blocked={blocked}>
          {blocked} remote {blocked === 1 ? 'reference was' : 'references were'} not loaded.
        </p>
      )}
      {/* No allow-scripts, allow-forms or allow-same-origin: the part can run nothing and reach nothing. */}
      <iframe
        className="message-frame"
        title={`Message part ${index + 1}`}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerPolicy="no-referrer"
        srcDoc={document}
      />
    </>
  );
}

/**
 * The message content: every part on its own (text as text, HTML in its own sandboxed frame),
 * never joined with its neighbours; when parts differ in protection, each says what it has.
 */
export function MessageBody({ opened }: { opened: Opened }) {
  const cids = useCidImages(opened.attachments);
  const mixed =
    new Set(opened.parts.map(coverageLabel)).size > 1 ||
    opened.encryption === 'partial' ||
    opened.signature === 'partial';
  const files = opened.attachments.filter((a) => !(a.contentId && a.type.startsWith('image/')) || !cids);
  return (
    <>
      <div className="message-body" data-message-body="">
        {opened.parts.map((part, i) => (
          <section
            key={i}
            className="message-part"
            aria-label={mixed ? `Part ${i + 1}: ${coverageLabel(part)}` : undefined}
            data-part-encrypted={part.encrypted}
            data-part-signed={part.signed}
          >
            {mixed && (
              <p className="part-coverage">
                Part {i + 1}: {coverageLabel(part)}
              </p>
            )}
            {part.kind === 'text' ? (
              <pre className="message-text">{part.content}</pre>
            ) : cids ? (
              <HtmlPart part={part} index={i} cids={cids} />
            ) : null}
          </section>
        ))}
      </div>
      {files.length > 0 && (
        <ul className="message-attachments" aria-label="Attachments">
          {files.map((a, i) => (
            <li key={i}>
              <DownloadLink attachment={a} />
              {mixed && <span className="hint"> ({coverageLabel(a)})</span>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function DownloadLink({ attachment }: { attachment: ShownAttachment<Blob> }) {
  const download = () => {
    // A download, never a page of the app's origin: the Blob is typed application/octet-stream too.
    const url = URL.createObjectURL(attachment.content);
    const link = document.createElement('a');
    link.href = url;
    link.download = attachment.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <button type="button" className="link-button" onClick={download} data-attachment-name={attachment.name}>
      {attachment.name} ({formatBytes(attachment.size)})
    </button>
  );
}
