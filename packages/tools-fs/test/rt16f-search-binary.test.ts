// Red team 16f: search_files skipping binary files (tools16d) — text in other encodings, odd names, links.
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { describe, expect, it } from 'vitest';

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

function tree(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rt16f-search-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root, name), bytes);
  return root;
}

async function search(root: string, query: string) {
  const tool = createFsTools({ root }).find((t) => t.name === 'search_files')!;
  return (await tool.execute(tool.input.parse({ query }), ctx())) as { results: { path: string; match: string; line?: string }[]; skippedBinaryFiles?: number };
}

describe('red team 16f: search_files and text that is not UTF-8', () => {
  it('a Latin-1 (windows-1252) file matches a query with accents, and its line reads right', async () => {
    const root = tree({ 'menu.txt': Buffer.from('Le caf\xe9 cr\xe8me co\xfbte 3 \x80\n', 'latin1'), 'utf8.txt': 'un café en UTF-8\n' });
    const found = await search(root, 'café');
    expect(found.results).toEqual([{ path: 'menu.txt', match: 'content', line: 'Le café crème coûte 3 €' }, { path: 'utf8.txt', match: 'content', line: 'un café en UTF-8' }]);
    expect(found.skippedBinaryFiles).toBeUndefined();
    // An ASCII query in a Latin-1 file: its line is shown without U+FFFD.
    expect((await search(root, 'coûte')).results).toEqual([{ path: 'menu.txt', match: 'content', line: 'Le café crème coûte 3 €' }]);
  });

  it('a UTF-8 file with one stray byte still matches its UTF-8 text', async () => {
    const root = tree({ 'mixed.txt': Buffer.concat([Buffer.from('naïve résumé\n'), Buffer.from([0xff]), Buffer.from('\n')]) });
    expect((await search(root, 'résumé')).results).toEqual([{ path: 'mixed.txt', match: 'content', line: 'naïve résumé' }]);
  });

  it('UTF-16 with a BOM is searched; binary files, a NUL at 200 KB and links are counted right; __proto__ is a file like any other', async () => {
    const big = Buffer.alloc(210_000, 'a');
    big.write('\nneedle early\n', 100);
    big[200_000] = 0;
    const root = tree({
      'le.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a needle\n', 'utf16le')]),
      'be.txt': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('a needle\n', 'utf16le').swap16()]),
      'nul.txt': big,
      'shot.png': PNG,
      ['__proto__']: 'needle in proto\n', // computed: a literal __proto__ key would set the prototype
      constructor: 'needle too\n',
    });
    symlinkSync(join(root, 'shot.png'), join(root, 'link-to-png'));
    const found = await search(root, 'needle');
    expect(found.results.map((r) => r.path).sort()).toEqual(['__proto__', 'be.txt', 'constructor', 'le.txt']);
    expect(found.skippedBinaryFiles).toBe(2); // nul.txt, shot.png — the link is never followed nor counted
  });
});
