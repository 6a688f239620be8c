import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RunView } from './run-view.js';

let assets: { readonly js: string; readonly css: string } | undefined;

/** The console's script and stylesheet, read once from the package's `assets/` folder (beside `src/` and `dist/`). */
export function consoleAssets(): { readonly js: string; readonly css: string } {
  assets ??= {
    js: readFileSync(new URL('../../assets/console.js', import.meta.url), 'utf8'),
    css: readFileSync(new URL('../../assets/console.css', import.meta.url), 'utf8'),
  };
  return assets;
}

/** Escapes text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside a `<script type="application/json">` element (no `<`, so no `</script>`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const sha256Base64 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

/** The console's page shell: the script builds the page from the JSON API (no inline script or style). */
export function consoleShell(): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer"><title>agentrt console</title>',
    '<link rel="stylesheet" href="/assets/console.css"></head>',
    '<body><div id="app"><main><p>Loading…</p></main></div><script src="/assets/console.js"></script></body></html>',
  ].join('\n');
}

/**
 * One self-contained HTML page showing a run as the console's run page does: the stylesheet,
 * the script and the (redacted) run data are inlined, and a Content-Security-Policy allowing only
 * those exact inline blocks (by hash) keeps the page from loading or sending anything.
 */
export function renderTraceHtml(view: RunView): string {
  const { js, css } = consoleAssets();
  const csp = `default-src 'none'; script-src 'sha256-${sha256Base64(js)}'; style-src 'sha256-${sha256Base64(css)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="agentrt trace --html">`,
    `<title>agentrt trace · ${escapeHtml(view.run.runId)}</title>`,
    `<style>${css}</style></head>`,
    '<body><div id="app"><main><p>This trace needs JavaScript to render.</p></main></div>',
    `<script type="application/json" id="agentrt-trace">${scriptJson(view)}</script>`,
    `<script>${js}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
