// Red team 16f, positive path: PDFs made by real software (pdf-lib, pdfkit, jsPDF, Ghostscript, qpdf:
// object streams, linearized, AES-256, PDF 2.0, 300 pages, CRLF, incremental update) are file parts.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentPart, ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { describe, expect, it } from 'vitest';

const FIXTURES = new URL('../../core/test/__fixtures__/pdf/', import.meta.url).pathname;
const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.pdf'));
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });

describe('red team 16f: read_file returns real PDFs as file parts', () => {
  const root = mkdtempSync(join(tmpdir(), 'rt16f-pdf-'));
  cpSync(FIXTURES, root, { recursive: true });
  const read = createFsTools({ root }).find((t) => t.name === 'read_file')!;

  it.each(names)('%s is a file part with its bytes', async (name) => {
    const result = (await read.execute(read.input.parse({ path: name }), ctx())) as ContentPart[];
    expect(Array.isArray(result)).toBe(true);
    expect(result[1]).toMatchObject({ type: 'file', mediaType: 'application/pdf', filename: name });
    expect(Buffer.from((result[1] as { data: string }).data, 'base64').equals(readFileSync(join(FIXTURES, name)))).toBe(true);
  });

  it('each real PDF cut at 10 %, 20 % … 90 % of its length is a note, never a file part', async () => {
    for (const name of names) {
      const bytes = readFileSync(join(FIXTURES, name));
      for (let tenth = 1; tenth < 10; tenth++) {
        const cut = `cut-${tenth}-${name}`;
        const part = bytes.subarray(0, Math.floor((bytes.length * tenth) / 10));
        writeFileSync(join(root, cut), part);
        const result = await read.execute(read.input.parse({ path: cut }), ctx());
        // An incremental update cut inside its last revision holds a complete earlier revision (its %%EOF): a reader opens that.
        if (name.startsWith('mini-incremental') && part.includes('%%EOF')) continue;
        expect(Array.isArray(result), cut).toBe(false);
        expect(result, cut).toMatchObject({ binary: true, mediaType: 'application/pdf' });
      }
    }
  });
});
