import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyBytes, pdfPageCount, pdfProblem } from '@agentrt/core';

const dir = new URL('./__fixtures__/pdf/', import.meta.url);
const fixtures = readdirSync(dir).filter((name) => name.endsWith('.pdf'));
const pagesOf = (name: string) => Number(/-(\d+)\.pdf$/.exec(name)![1]);

describe('red team 16f: PDFs made by real software', () => {
  it.each(fixtures)('%s is a complete PDF with the page count qpdf reports', (name) => {
    const bytes = readFileSync(new URL(name, dir));
    expect(pdfProblem(bytes)).toBeUndefined();
    expect(classifyBytes(bytes)).toEqual({ kind: 'pdf', mediaType: 'application/pdf', pages: pagesOf(name) });
  });

  it('a /Count that is an indirect reference is not read as the object number', () => {
    // mini-indirect-count-5.pdf: `/Count 3 0 R` and `3 0 obj 5 endobj` — 3 was reported.
    expect(pdfPageCount(readFileSync(new URL('mini-indirect-count-5.pdf', dir)))).toBe(5);
  });

  it('pages inside an object stream (pdf-lib\'s default output) are counted', () => {
    expect(pdfPageCount(readFileSync(new URL('pdflib-300.pdf', dir)))).toBe(300);
  });

  it('a compressed object stream that inflates past the bound is not inflated (no bomb), and junk streams are ignored', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, ' '));
    const junk = Buffer.from('not zlib at all');
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ' + bomb.length + ' >>\nstream\n'), bomb,
      Buffer.from('\nendstream\nendobj\n2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>\nstream\n'), junk,
      Buffer.from('\nendstream\nendobj\n%%EOF\n'),
    ]);
    const started = performance.now();
    expect(pdfPageCount(pdf)).toBeUndefined();
    expect(classifyBytes(pdf).kind).toBe('pdf'); // object streams: plausible, as documented
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
