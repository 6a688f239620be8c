/**
 * HTML as readable text, for `html: 'text'`: one forward pass over the markup, never a tree, so
 * its time is linear in the input whatever the page does — deep nesting, megabytes of `<`, an
 * unclosed comment, `<script>` or attribute quote. Script, style, template, noscript, SVG and
 * other non-text content is dropped; headings become `#` lines, list items `- ` lines, block
 * elements line breaks, links `text (url)`, images their `alt` text. Character references are
 * decoded. Text hidden from a reader is dropped with its element — the `hidden` attribute, an
 * inline `style` with `display: none`, `visibility: hidden` / `collapse` or `content-visibility:
 * hidden` (CSS escapes decoded, the winning declaration read), a `<dialog>` without `open` (hidden text is a prompt-injection channel); `hidden="until-found"` (collapsed content a
 * reader can open) and `aria-hidden="true"` (visible, only skipped by screen readers) stay. Not a
 * renderer: text hidden by a stylesheet class, off-screen or zero-size stays; tables are text in
 * reading order.
 */

/** Elements whose content is not text a reader sees. */
const DROPPED = new Set(['script', 'style', 'template', 'noscript', 'svg', 'math', 'iframe', 'object', 'canvas', 'select', 'textarea']);
/** Foreign elements, where `<x/>` closes the element; in HTML the `/` of `<script/>` means nothing. */
const FOREIGN = new Set(['svg', 'math']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'header', 'hr', 'html', 'legend', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'tr', 'ul', 'caption', 'option',
]);

/** HTML 4's Latin-1 entities, U+00A0 to U+00FF in order. */
const LATIN1 = 'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';
const NAMED: Record<string, string> = Object.assign(
  Object.fromEntries(LATIN1.split(' ').map((name, index) => [name, String.fromCodePoint(0xa0 + index)])),
  { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '', ndash: '–', mdash: '—', hellip: '…', trade: '™', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', sbquo: '‚', bdquo: '„', bull: '•', euro: '€', dagger: '†', Dagger: '‡', permil: '‰', lsaquo: '‹', rsaquo: '›', OElig: 'Œ', oelig: 'œ', Scaron: 'Š', scaron: 'š', Yuml: 'Ÿ', fnof: 'ƒ', circ: 'ˆ', tilde: '˜', larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', minus: '−', le: '≤', ge: '≥', ne: '≠', asymp: '≈', infin: '∞', ensp: ' ', emsp: ' ', thinsp: ' ' },
  // Invisible format characters (direction marks, joiners) are dropped: they reorder or hide text.
  { zwnj: '', zwj: '', lrm: '', rlm: '' },
);

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

/** The value of attribute `name` in a start tag's text, entities decoded (`attributesOf`: quote-aware, bounded). */
function attribute(tag: string, name: string): string | undefined {
  const value = attributesOf(tag).get(name);
  return value === undefined ? undefined : decodeEntities(value).trim();
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
    const close = isLetter ? startTagEnd(html, open + 1) : html.indexOf('>', open + 1);
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
    if (!closing && name === 'title') {
      // The title (in the head, whose end tag may be omitted: the head is not skipped as a block) as a heading.
      const end = indexOfCloseTag(html, 'title', at);
      const title = collapse(decodeEntities(html.slice(at, end === -1 ? html.length : end))).trim();
      if (title) out.push('\n# ', title, '\n');
      at = textStart = scan = end === -1 ? html.length : end;
      continue;
    }
    if (!closing && DROPPED.has(name) && !(FOREIGN.has(name) && tag.endsWith('/>'))) {
      const end = indexOfCloseTag(html, name, at);
      at = textStart = scan = end === -1 ? html.length : end; // an unclosed <script> hides the rest, as in a browser
      continue;
    }
    if (!closing && isHidden(tag)) {
      // Void elements (<img hidden>) have no content; the others are skipped to their end.
      if (!VOID.has(name)) at = textStart = scan = hiddenEnd(html, name, at);
      if (BLOCK.has(name)) lineBreak();
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
      if (href && !href.startsWith('#') && (/^(https?|mailto):/i.test(href) || !/^[a-z][a-z0-9+.-]*:/i.test(href))) out.push(` (${href})`); // never javascript:, data:…
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

/** Start tags that close an open `<p>` in HTML's parser beyond `BLOCK` (headings and older block elements). */
const P_CLOSERS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hgroup', 'menu', 'dir', 'search', 'center', 'listing', 'xmp', 'plaintext'];
/** Elements without content (`<img hidden>` hides only itself). */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Elements whose end tag may be omitted, with what else ends them (HTML "optional tags"): a sibling's start tag, or the end of their container. */
const OPTIONAL_END = new Map<string, { siblings: Set<string>; containers: Set<string> }>([
  ['li', { siblings: new Set(['li']), containers: new Set(['ul', 'ol', 'menu']) }],
  ['dt', { siblings: new Set(['dt', 'dd']), containers: new Set(['dl']) }],
  ['dd', { siblings: new Set(['dt', 'dd']), containers: new Set(['dl']) }],
  ['option', { siblings: new Set(['option', 'optgroup']), containers: new Set(['select', 'datalist']) }],
  ['tr', { siblings: new Set(['tr', 'tbody', 'thead', 'tfoot']), containers: new Set(['table']) }],
  ['td', { siblings: new Set(['td', 'th', 'tr', 'tbody', 'thead', 'tfoot']), containers: new Set(['table', 'tr']) }],
  ['th', { siblings: new Set(['td', 'th', 'tr', 'tbody', 'thead', 'tfoot']), containers: new Set(['table', 'tr']) }],
  // A paragraph holds no block: any block start or end tag ends it, and so does a heading or
  // another element HTML's parser closes a paragraph for (hgroup, menu, search, center, listing, xmp…).
  ['p', { siblings: new Set([...BLOCK, ...P_CLOSERS].filter((name) => name !== 'br')), containers: new Set([...BLOCK].filter((name) => name !== 'br' && name !== 'p')) }],
]);
/** The inline `style` properties that can hide an element, and their hiding values. */
const HIDING_VALUES: Record<string, RegExp> = { 'display': /^none$/, 'visibility': /^(?:hidden|collapse)$/, 'content-visibility': /^hidden$/ };
/** A CSS escape: up to six hex digits and one optional whitespace after them, or any other escaped character. */
const CSS_ESCAPE = /\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|([^\n\r\f0-9a-fA-F]))/g;

/**
 * True when an inline `style` (entities and comments already read) hides its element, as a browser
 * reads it: declarations split at `;`, CSS escapes decoded (`d\69splay`), property names in any
 * case, the last declaration of a property winning unless an earlier one is `!important`, and a
 * custom property (`--x: display:none`) only a value.
 */
function styleHides(style: string): boolean {
  const winning = new Map<string, { value: string; important: boolean }>();
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon === -1) continue;
    const property = unescapeCss(declaration.slice(0, colon)).trim().toLowerCase();
    if (!Object.hasOwn(HIDING_VALUES, property)) continue;
    let value = unescapeCss(declaration.slice(colon + 1)).trim().toLowerCase();
    const important = /!\s*important$/.test(value);
    if (important) value = value.replace(/\s*!\s*important$/, '');
    const before = winning.get(property);
    if (before?.important && !important) continue;
    winning.set(property, { value, important });
  }
  for (const [property, { value }] of winning) if (HIDING_VALUES[property]!.test(value)) return true;
  return false;
}

/** CSS text with its escapes decoded (`\69` → `i`, `\:` → `:`); an invalid code point reads as U+FFFD. */
function unescapeCss(css: string): string {
  if (!css.includes('\\')) return css;
  return css.replace(CSS_ESCAPE, (_all, hex: string | undefined, char: string | undefined) => {
    if (char !== undefined) return char;
    const code = Number.parseInt(hex!, 16);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\uFFFD' : String.fromCodePoint(code);
  });
}
/** Longest start tag whose attributes are read for `hidden` / `style` (a longer one is read up to this). */
const MAX_ATTRIBUTE_SCAN = 64 * 1024;

/**
 * The attributes of a start tag, names lower-cased, the first of each name kept (HTML's rule), in
 * a Map (a `__proto__` attribute is a name like any other). Quote-aware: `title="x hidden"` holds
 * no `hidden` attribute. One forward pass over at most `MAX_ATTRIBUTE_SCAN` characters.
 */
export function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const text = tag.length > MAX_ATTRIBUTE_SCAN ? tag.slice(0, MAX_ATTRIBUTE_SCAN) : tag;
  const pattern = /[\s/]([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?/g;
  pattern.lastIndex = (/^<[a-zA-Z][a-zA-Z0-9-]*/.exec(text)?.[0].length) ?? 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const name = match[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/** A start tag that hides its element from a reader (see the module comment). */
function isHidden(tag: string): boolean {
  // A <dialog> without `open` is not rendered (the browser's own stylesheet: display: none) until a script opens it.
  if (/^<dialog(?=[\s/>]|$)/i.test(tag) && !attributesOf(tag).has('open')) return true;
  if (!/hidden|style/i.test(tag)) return false;
  const attributes = attributesOf(tag);
  const hidden = attributes.get('hidden');
  if (hidden !== undefined && hidden.trim().toLowerCase() !== 'until-found') return true;
  const style = attributes.get('style');
  return style !== undefined && styleHides(withoutCssComments(decodeEntities(style)));
}

/** CSS text without its comments (an unclosed one runs to the end). One forward pass. */
function withoutCssComments(css: string): string {
  let out = '';
  let at = 0;
  for (let open = css.indexOf('/*'); open !== -1; open = css.indexOf('/*', at)) {
    out += css.slice(at, open) + ' ';
    const close = css.indexOf('*/', open + 2);
    if (close === -1) return out;
    at = close + 2;
  }
  return out + css.slice(at);
}

/**
 * Where the content of the hidden element `name` (whose start tag ended just before `from`) ends:
 * after its matching end tag (same-name elements nested inside counted), or — for an element whose
 * end tag may be omitted — before the tag that ends it implicitly; the end of the document when
 * nothing ends it (as in a browser: an unclosed hidden element hides the rest). Comments are
 * skipped, and the raw text of `script`/`style`/… inside it. One forward scan from `from`.
 */
function hiddenEnd(html: string, name: string, from: number): number {
  const optional = OPTIONAL_END.get(name);
  const tags = /<!--|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)/g;
  tags.lastIndex = from;
  let depth = 1;
  let containers = 0;
  for (let match = tags.exec(html); match; match = tags.exec(html)) {
    if (match[0] === '<!--') {
      const end = html.indexOf('-->', match.index + 4);
      if (end === -1) return html.length;
      tags.lastIndex = end + 3;
      continue;
    }
    const closing = match[1] === '/';
    const tag = match[2]!.toLowerCase();
    if (!closing && DROPPED.has(tag) && tag !== name) {
      const end = indexOfCloseTag(html, tag, tags.lastIndex);
      if (end === -1) return html.length;
      tags.lastIndex = end + 2;
      continue;
    }
    if (optional) {
      if (containers === 0 && !closing && optional.siblings.has(tag)) return match.index;
      if (optional.containers.has(tag)) {
        if (!closing) containers++;
        else if (containers === 0) return match.index; // the container ends: so does the element
        else containers--;
        continue;
      }
    }
    if (tag !== name) continue;
    if (!closing) {
      depth++;
      continue;
    }
    if (--depth === 0) {
      const end = html.indexOf('>', tags.lastIndex);
      return end === -1 ? html.length : end + 1;
    }
  }
  return html.length;
}

/**
 * Where the start tag opened at `from - 1` ends (its `>`), or -1: a `>` inside a quoted attribute
 * value (`onclick="a>b"`) does not end it; a quote left open runs to the end (then, as a tag without `>`, the rest is text). One
 * forward scan from `from`, and the caller goes on after the answer.
 */
function startTagEnd(html: string, from: number): number {
  let quote = 0;
  let afterEquals = false;
  for (let index = from; index < html.length; index++) {
    const code = html.charCodeAt(index);
    if (quote !== 0) {
      if (code === quote) quote = 0;
      continue;
    }
    if (code === 62 /* > */) return index;
    if ((code === 34 || code === 39) && afterEquals) quote = code;
    else if (code === 61 /* = */) afterEquals = true;
    else if (code !== 32 && code !== 9 && code !== 10 && code !== 12 && code !== 13) afterEquals = false;
  }
  return -1;
}

/** Where `</name` (any case, then whitespace, `/` or `>`) starts at or after `from`, or -1. One forward scan. */
function indexOfCloseTag(html: string, name: string, from: number): number {
  const pattern = new RegExp(`</${name}(?=[\\s/>])`, 'gi');
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match ? match.index : -1;
}
