// Red team 16f: a 300-page PDF from pdf-lib (its default output keeps the page tree in object
// streams) was estimated at one page per 50 KB — 2 pages, 4 000 tokens — so a token budget let a
// request through that the provider refused as too long.
import { readFileSync } from 'node:fs';
import { estimateFileTokens, PDF_PAGE_TOKENS } from '@agentrt/context';
import { describe, expect, it } from 'vitest';

const FIXTURES = new URL('../../core/test/__fixtures__/pdf/', import.meta.url);

describe('red team 16f: PDF token estimates of real files', () => {
  it.each([['pdflib-300.pdf', 300], ['qpdf-objstm-3.pdf', 3], ['mini-indirect-count-5.pdf', 5], ['qpdf-linear-300.pdf', 300]])('%s counts %i pages', (name, pages) => {
    const data = readFileSync(new URL(name, FIXTURES)).toString('base64');
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data }, (text) => text.length)).toBe(pages * PDF_PAGE_TOKENS);
  });
});
