// Red team 16f: `html: 'text'` (htmlToText) on real-world page shapes.
import { htmlToText } from '@agentrt/tools-http';
import { describe, expect, it } from 'vitest';

describe('red team 16f: htmlToText on real pages', () => {
  it('a page that omits </head> (valid HTML) keeps its body, not only its title', () => {
    // The end tag of head, and even the start tag of body, may be omitted: the body was dropped with the head.
    expect(htmlToText('<!doctype html><html><head><meta charset=utf-8><title>Shop</title><body><h1>Prices</h1><p>Tea 3 &euro;</p></body></html>')).toBe('# Shop\n# Prices\nTea 3 €');
    expect(htmlToText('<html><head><title>Shop</title><link rel=stylesheet href=a.css><p>Open daily</p>')).toBe('# Shop\nOpen daily');
    expect(htmlToText('<head><style>p{}</style><script>var x = "<p>not text</p>";</script><title>T</title></head><p>x</p>')).toBe('# T\nx');
  });

  it('a comment in the head that holds </head> does not end it', () => {
    expect(htmlToText('<head><!-- </head> --><title>T</title></head><p>x</p>')).toBe('# T\nx');
  });

  it('decodes the Latin-1 and common symbol entities European pages use', () => {
    expect(htmlToText('<p>caf&eacute; &Uuml;ber na&iuml;ve &szlig; &rarr; 5&times;3 &frac12; &deg;C &pound;9 &oelig;</p>')).toBe('café Über naïve ß → 5×3 ½ °C £9 œ');
    // Invisible direction marks are not smuggled in as text.
    expect(htmlToText('<p>a&rlm;b&lrm;c&zwj;d</p>')).toBe('abcd');
  });

  it('a > inside a quoted attribute value does not end the tag (no attribute junk in the text)', () => {
    expect(htmlToText('<p><a href="/next" onclick="if(a>b){go()}" title="a > b">Next</a> page</p>')).toBe('Next (/next) page');
    expect(htmlToText("<p><img alt='x > y' src=a.png> done</p>")).toBe('[x > y] done');
  });

  it('<script/> is not self-closing in HTML: its code stays hidden (only svg and math close with />)', () => {
    expect(htmlToText('<script src="a.js"/>var token = 1;</script><p>after</p>')).toBe('after');
    expect(htmlToText('<p>a<svg/>b</p>')).toBe('ab');
  });

  it('relative links are printed like root-relative ones; javascript: and data: never', () => {
    expect(htmlToText('<a href="page2.html">Next</a> <a href="/p3">Last</a> <a href="javascript:alert(1)">Run</a> <a href="data:text/html,x">D</a> <a href="#top">Top</a>'))
      .toBe('Next (page2.html) Last (/p3) Run D Top');
  });
});

describe('red team 16f: htmlToText stays linear with quotes', () => {
  it('8 MB of tags whose quotes never close, and of tags with > in quotes, convert in linear time', () => {
    for (const markup of ['<a x="1>'.repeat(1_000_000), `<p title='a>b'>t</p>`.repeat(400_000), `<a href="${'>'.repeat(8_000_000)}`]) {
      const started = performance.now();
      htmlToText(markup);
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });
});
