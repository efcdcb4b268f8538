import DOMPurify from 'dompurify';

/** Stands in for remote images: nothing is fetched from outside, for any mail. */
const BLOCKED_IMAGE =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="24"><rect width="120" height="24" fill="#eee"/><text x="6" y="16" font-size="11" font-family="sans-serif" fill="#555">image not loaded</text></svg>',
  );

/** A policy for the part's own document too: even markup the sanitizer let through loads nothing remote. */
export const FRAME_POLICY =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'";

const URL_IN_CSS = /url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi;
const IMPORT_IN_CSS = /@import[^;]*;?/gi;

const cssWithoutRemote = (css: string, cid: (ref: string) => string | null) =>
  css.replace(IMPORT_IN_CSS, '').replace(URL_IN_CSS, (_, _q: string, ref: string) => {
    const local = ref.toLowerCase().startsWith('cid:')
      ? cid(ref.slice(4))
      : ref.toLowerCase().startsWith('data:')
        ? ref
        : null;
    return local ? `url("${local}")` : 'none';
  });

/**
 * HTML of one message part, made safe to show in a sandboxed frame: no scripts, forms, frames or
 * event handlers, no remote images or style sheets (a placeholder instead), `cid:` only for the
 * parts of the same payload (`cid` maps a Content-ID to a data: URL), links open outside.
 * Returns the document for `srcdoc` and how many remote references were blocked.
 */
export function sanitizeMessageHtml(
  html: string,
  cid: (contentId: string) => string | null,
): { document: string; blocked: number } {
  let blocked = 0;
  const purify = DOMPurify();
  purify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && node.textContent) {
      const cleaned = cssWithoutRemote(node.textContent, cid);
      if (cleaned !== node.textContent) blocked++;
      node.textContent = cleaned;
    }
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    const element = node as Element;
    for (const name of ['src', 'background', 'poster']) {
      const value = element.getAttribute?.(name);
      if (value === null || value === undefined) continue;
      const lower = value.trim().toLowerCase();
      const local = lower.startsWith('cid:')
        ? cid(value.trim().slice(4))
        : lower.startsWith('data:image/')
          ? value
          : null;
      if (local) element.setAttribute(name, local);
      else {
        blocked++;
        if (element.tagName === 'IMG') {
          element.setAttribute('src', BLOCKED_IMAGE);
          element.setAttribute('title', 'Remote image not loaded');
        } else element.removeAttribute(name);
      }
    }
    const style = element.getAttribute?.('style');
    if (style && /url\s*\(|@import/i.test(style)) {
      const cleaned = cssWithoutRemote(style, cid);
      if (cleaned !== style) blocked++;
      element.setAttribute('style', cleaned);
    }
    if (element.tagName === 'A' && element.hasAttribute('href')) {
      element.setAttribute('target', '_blank');
      element.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const body = purify.sanitize(html, {
    FORBID_TAGS: [
      'form',
      'input',
      'button',
      'textarea',
      'select',
      'option',
      'iframe',
      'frame',
      'object',
      'embed',
      'link',
      'meta',
      'base',
      'svg',
      'math',
    ],
    FORBID_ATTR: ['srcset', 'ping', 'action', 'formaction', 'xlink:href'],
    ALLOW_DATA_ATTR: false,
  });
  const document =
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_POLICY}">` +
    `<style>body{font-family:sans-serif;margin:0.5rem;overflow-wrap:anywhere}img{max-width:100%}</style></head><body>${body}</body></html>`;
  return { document, blocked };
}
