import type { Plugin } from 'vite';

/**
 * The Content-Security-Policy of the app: nothing may be loaded from or sent to another origin.
 * Everything the app needs is same-origin, plus:
 * - 'wasm-unsafe-eval': compiling the TF.js WASM backend;
 * - blob: workers and scripts: the multi-threaded WASM backend starts its pthread workers from a
 *   Blob URL, which then import the (Blob) backend script; blob: URLs are created by the app itself
 *   and never reach the network;
 * - blob:/data: images and fetches: canvases, thumbnails, downloads of exports;
 * - inline styles: React `style` props and chart libraries.
 */
const directives: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'", 'blob:', 'data:'],
  'img-src': ["'self'", 'blob:', 'data:'],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'style-src': ["'self'", "'unsafe-inline'"],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

const serialize = (d: Record<string, string[]>): string =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');

/** The policy sent as a header by `vite preview` and documented for static hosts. */
export const CSP = serialize(directives);

/** The dev server's: React Fast Refresh injects an inline module script into index.html. */
export const CSP_DEV = serialize({
  ...directives,
  'script-src': [...directives['script-src'], "'unsafe-inline'"],
});

/**
 * The `<meta http-equiv>` copy for hosts that cannot send headers. Browsers ignore (and warn about)
 * frame-ancestors in a meta policy, so it is left out; a meta policy does not reach workers either.
 */
export const CSP_META = serialize(
  Object.fromEntries(Object.entries(directives).filter(([k]) => k !== 'frame-ancestors')),
);

/**
 * Writes CSP_META into the built index.html right after the charset declaration (which must stay
 * in the first 1024 bytes), before any script, so it applies to all of them.
 */
export function cspMeta(): Plugin {
  return {
    name: 'dmgrd-csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => {
        const meta = `<meta http-equiv="Content-Security-Policy" content="${CSP_META}" />`;
        const charset = /<meta charset=[^>]*>/i;
        if (!charset.test(html)) throw new Error('index.html needs a <meta charset> to place the CSP after');
        return html.replace(charset, (m) => `${m}\n    ${meta}`);
      },
    },
  };
}
