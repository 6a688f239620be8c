/**
 * HTML as readable text, for `html: 'text'`: one forward pass over the markup, never a tree, so
 * its time is linear in the input whatever the page does — deep nesting, megabytes of `<`, an
 * unclosed comment, `<script>` or attribute quote. Script, style, template, noscript, SVG and
 * other non-text content is dropped; headings become `#` lines, list items `- ` lines, block
 * elements line breaks, links `text (url)`, images their `alt` text. Character references are
 * decoded. Not a renderer: CSS-hidden text stays, tables are text in reading order.
 */

/** Elements whose content is not text a reader sees. */
const DROPPED = new Set(['script', 'style', 'template', 'noscript', 'svg', 'math', 'iframe', 'object', 'canvas', 'head', 'select', 'textarea']);
/** Of `head`, the title is kept (as a heading). */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'header', 'hr', 'html', 'legend', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'tr', 'ul', 'caption', 'option',
]);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', copy: '©', reg: '®', trade: '™', laquo: '«', raquo: '»', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', middot: '·', bull: '•', euro: '€' };

/** Decodes character references (`&amp;`, `&#39;`, `&#x2014;`); unknown or invalid ones stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});/g, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      // NUL, surrogates and values past Unicode are not characters (the HTML spec makes them U+FFFD; dropping them reads better).
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '';
      return String.fromCodePoint(code);
    }
    return Object.hasOwn(NAMED, name) ? NAMED[name]! : whole;
  });
}

/** The value of attribute `name` in a start tag's text (bounded by the tag: linear over all tags). */
function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`[\\s/]${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '').trim();
}

/** Collapses whitespace of a text run (inside `pre` it is kept). */
const collapse = (text: string) => text.replace(/\s+/g, ' ');

/** Readable text of an HTML document (see the module comment). Linear in `html`'s length. */
export function htmlToText(markup: string): string {
  const html = markup.replace(/\0/g, '');
  const out: string[] = [];
  let at = 0;
  let pre = 0;
  let heading = 0;
  const links: (string | undefined)[] = [];
  // Inside <pre>, lines start with a NUL marker (NUL is removed from the input first), so their indentation survives the trim below.
  const text = (raw: string) => {
    if (raw) out.push(pre > 0 ? `\0${decodeEntities(raw).replace(/\n/g, '\n\0')}` : collapse(decodeEntities(raw)));
  };
  const lineBreak = () => out.push('\n');
  // Text runs from textStart; a `<` that starts no tag stays in it (10 MB of `<` is one run, not 10 M pieces).
  let textStart = 0;
  let scan = 0;
  while (at < html.length) {
    const open = html.indexOf('<', scan);
    if (open === -1) {
      text(html.slice(textStart));
      break;
    }
    if (html.startsWith('<!--', open)) {
      text(html.slice(textStart, open));
      const end = html.indexOf('-->', open + 4);
      if (end === -1) break; // an unclosed comment hides the rest, as in a browser
      at = textStart = scan = end + 3;
      continue;
    }
    const next = html.charCodeAt(open + 1);
    const isLetter = (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
    if (!(isLetter || next === 47 /* / */ || next === 33 /* ! */ || next === 63 /* ? */)) {
      scan = open + 1;
      continue;
    }
    const close = html.indexOf('>', open + 1);
    if (close === -1) {
      // No `>` is left: no later `<` can start a tag either — the rest is text, without another scan.
      text(html.slice(textStart));
      break;
    }
    text(html.slice(textStart, open));
    const tag = html.slice(open, close + 1);
    at = textStart = scan = close + 1;
    const nameMatch = /^<\/?([a-zA-Z][a-zA-Z0-9-]*)/.exec(tag);
    if (!nameMatch) continue; // <!doctype>, <?xml?>, </ >
    const name = nameMatch[1]!.toLowerCase();
    const closing = tag[1] === '/';
    if (!closing && DROPPED.has(name) && !tag.endsWith('/>')) {
      if (name === 'head') {
        // Keep the title of the head; skip the rest of it.
        const end = indexOfCloseTag(html, 'head', at);
        const stop = end === -1 ? html.length : end;
        // indexOf, not a regex: `<title<title<title…` without `>` must not be rescanned per occurrence.
        const titleAt = html.slice(at, stop).search(/<title[\s>]/i);
        const titleOpen = titleAt === -1 ? -1 : html.indexOf('>', at + titleAt);
        if (titleOpen !== -1 && titleOpen < stop) {
          const titleEnd = html.indexOf('<', titleOpen + 1);
          const title = collapse(decodeEntities(html.slice(titleOpen + 1, titleEnd === -1 || titleEnd > stop ? stop : titleEnd))).trim();
          if (title) out.push('\n# ', title, '\n');
        }
        at = textStart = scan = stop;
        continue;
      }
      const end = indexOfCloseTag(html, name, at);
      at = textStart = scan = end === -1 ? html.length : end; // an unclosed <script> hides the rest, as in a browser
      continue;
    }
    if (/^h[1-6]$/.test(name)) {
      if (closing) {
        if (heading > 0) heading = 0;
        lineBreak();
      } else {
        heading = Number(name[1]);
        out.push('\n', '#'.repeat(heading), ' ');
      }
      continue;
    }
    if (name === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
    if (name === 'a') {
      if (!closing) {
        links.push(attribute(tag, 'href'));
        continue;
      }
      const href = links.pop();
      if (href && /^(https?:|mailto:|\/|#|\.)/i.test(href) && !href.startsWith('#')) out.push(` (${href})`);
      continue;
    }
    if (name === 'img' && !closing) {
      const alt = attribute(tag, 'alt');
      if (alt) out.push(`[${collapse(alt)}]`);
      continue;
    }
    if (name === 'li' && !closing) {
      out.push('\n- ');
      continue;
    }
    if (name === 'td' || name === 'th') {
      if (!closing) out.push(' | ');
      continue;
    }
    if (BLOCK.has(name)) lineBreak();
  }
  // Lines trimmed, blank lines dropped (each block is a line of its own).
  return out.join('').split('\n')
    .map((line) => (line.startsWith('\0') ? line.replace(/\s+$/, '') : line.trim()).replace(/\0/g, ''))
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** Where `</name` (any case, then whitespace, `/` or `>`) starts at or after `from`, or -1. One forward scan. */
function indexOfCloseTag(html: string, name: string, from: number): number {
  const pattern = new RegExp(`</${name}(?=[\\s/>])`, 'gi');
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match ? match.index : -1;
}
