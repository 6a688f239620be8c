import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentPart, Tool, ToolContext } from '@agentrt/core';
import { buildPdf, buildPng } from '@agentrt/testing';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

// tools16d: search_files skips binary files (and says how many) instead of matching their bytes
// decoded as U+FFFD junk; read_file sends a PDF as a file part only when it is a complete one.

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const dir = () => {
  const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-16d-'));
  bases.push(root);
  return root;
};
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const tool = (root: string, name: string): Tool => createFsTools({ root }).find((t: Tool) => t.name === name)!;
type SearchResult = { results: { path: string; match: string; line?: string }[]; skippedBinaryFiles?: number; binaryNote?: string; skippedLargeFiles?: number };
const search = async (root: string, query: string): Promise<SearchResult> => {
  const t = tool(root, 'search_files');
  return (await t.execute(t.input.parse({ query }), ctx())) as SearchResult;
};
const read = async (root: string, path: string): Promise<unknown> => {
  const t = tool(root, 'read_file');
  return t.execute(t.input.parse({ path }), ctx());
};

describe('search_files skips binary files (tools16d)', () => {
  it('images, PDFs, zips and raw binary holding the query are not content matches; the result counts them; UTF-8 and UTF-16 text is searched', async () => {
    const root = dir();
    const png = Buffer.concat([buildPng({ width: 4, height: 4 }), Buffer.from('needle')]);
    writeFileSync(join(root, 'a.png'), png);
    writeFileSync(join(root, 'b.pdf'), Buffer.concat([buildPdf('needle'), Buffer.from('\nneedle\n')]));
    writeFileSync(join(root, 'c.zip'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40, 0xff), Buffer.from('\nneedle\n')]));
    writeFileSync(join(root, 'd.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.from('\nneedle\n')]));
    // A text head (5 KiB, past the 4 KiB core's looksBinary reads) on a binary body.
    writeFileSync(join(root, 'e.dat'), Buffer.concat([Buffer.from('x'.repeat(5_000)), Buffer.from([0, 0, 0, 7]), Buffer.from('\nneedle\n')]));
    writeFileSync(join(root, 'notes.md'), 'première ligne\nthe Needle — ünïcödé ✓\n');
    writeFileSync(join(root, 'wide.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('one\nwide needle\n', 'utf16le')]));
    const result = await search(root, 'needle');
    expect(result.results).toEqual(expect.arrayContaining([
      { path: 'notes.md', match: 'content', line: 'the Needle — ünïcödé ✓' },
      { path: 'wide.txt', match: 'content', line: 'wide needle' },
    ]));
    expect(result.results).toHaveLength(2);
    expect(JSON.stringify(result)).not.toContain('\uFFFD');
    expect(result.skippedBinaryFiles).toBe(5);
    expect(result.binaryNote).toMatch(/^5 binary files were .* matched by name only/);
  });

  it('a binary file still matches by name (and is then not counted as skipped); one whose name does not match is counted', async () => {
    const root = dir();
    writeFileSync(join(root, 'needle.png'), buildPng({ width: 2, height: 2 }));
    writeFileSync(join(root, 'plain.txt'), 'a needle\n');
    const result = await search(root, 'needle');
    expect(result.results).toEqual(expect.arrayContaining([{ path: 'needle.png', match: 'name' }, { path: 'plain.txt', match: 'content', line: 'a needle' }]));
    expect(result.skippedBinaryFiles).toBeUndefined();
    expect(await search(root, 'plain')).toMatchObject({ results: [{ path: 'plain.txt', match: 'name' }], skippedBinaryFiles: 1 });
  });

  it('huge files are matched by name only, FIFOs are never opened, a file growing while searched is read up to its size', async () => {
    const root = dir();
    writeFileSync(join(root, 'huge.log'), Buffer.alloc(300 * 1024, 'needle\n'));
    execFileSync('mkfifo', [join(root, 'pipe-needle')]);
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const growing = join(root, 'grow.txt');
    writeFileSync(growing, 'start needle\n');
    let stop = false;
    let rounds = 0;
    const writer = (async () => {
      const fd = openSync(growing, 'a');
      try {
        while (!stop) {
          writeSync(fd, 'more text\n'.repeat(10));
          if (++rounds > 2_000) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        closeSync(fd);
      }
    })();
    try {
      const result = await search(root, 'needle');
      expect(result.results).toEqual(expect.arrayContaining([{ path: 'pipe-needle', match: 'name' }, { path: 'grow.txt', match: 'content', line: 'start needle' }]));
      expect(result.results.find((r) => r.path === 'huge.log')).toBeUndefined();
      expect(result.skippedLargeFiles).toBe(1);
    } finally {
      stop = true;
      await writer;
    }
    appendFileSync(growing, 'x');
  });
});

describe('read_file sends only a complete PDF as a file part (tools16d)', () => {
  const pdf = buildPdf('Quarterly report');
  it('a PDF cut short, junk after %PDF-, and a PDF without pages are binary notes; a complete one (also with trailing bytes after %%EOF) is a part', async () => {
    const root = dir();
    writeFileSync(join(root, 'cut.pdf'), pdf.subarray(0, pdf.length - 40));
    writeFileSync(join(root, 'junk.pdf'), Buffer.from('%PDF-1.7\n<html>502 Bad Gateway</html>\n'));
    writeFileSync(join(root, 'nopages.pdf'), Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'));
    writeFileSync(join(root, 'ok.pdf'), Buffer.concat([pdf, Buffer.from('\r\n\0\0')]));
    // A big PDF (past the 4 KiB head): judged whole.
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n%' + 'x'.repeat(10_000) + '\n'), pdf.subarray(9)]);
    writeFileSync(join(root, 'big.pdf'), big);
    for (const name of ['cut.pdf', 'junk.pdf', 'nopages.pdf']) {
      const result = await read(root, name) as Record<string, unknown>;
      expect(Array.isArray(result), name).toBe(false);
      expect(result, name).toMatchObject({ binary: true, mediaType: 'application/pdf' });
      expect(result.note, name).toMatch(/not a complete PDF/);
    }
    const ok = await read(root, 'ok.pdf') as ContentPart[];
    expect(ok[1]).toMatchObject({ type: 'file', mediaType: 'application/pdf', filename: 'ok.pdf' });
    const whole = await read(root, 'big.pdf') as ContentPart[];
    expect(whole[1]).toEqual({ type: 'file', mediaType: 'application/pdf', data: big.toString('base64'), filename: 'big.pdf' });
  });
});
