import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createFsTools, type FsToolOptions } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const freshRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-cut-'));
  bases.push(root);
  return root;
};
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const run = async (options: FsToolOptions, name: string, args: unknown): Promise<Record<string, unknown>> => {
  const tool = createFsTools(options).find((t: Tool) => t.name === name)!;
  return (await tool.execute(tool.input.parse(args), ctx())) as Record<string, unknown>;
};

describe('@agentrt/tools-fs marks every cut result', () => {
  it('list_dir: a listing cut at its entry cap says so, with the total and how many more', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < 1_005; i++) writeFileSync(join(root, 'many', `f-${String(i).padStart(4, '0')}`), '');
    const cut = await run({ root, maxResultChars: 1_000_000 }, 'list_dir', { path: 'many' }); // the entry cap alone
    expect(cut).toMatchObject({ path: 'many', total: 1_005, truncated: true, omitted: 5 });
    expect(cut.entries).toHaveLength(1_000);
    expect(cut.truncation).toBe('showing 1000 of 1005 entries; 5 more entries not shown');
    // Exactly at the cap: complete, and not marked.
    mkdirSync(join(root, 'three'));
    for (const name of ['a', 'b', 'c']) writeFileSync(join(root, 'three', name), '');
    const whole = await run({ root, maxListEntries: 3 }, 'list_dir', { path: 'three' });
    expect(whole).toEqual({ path: 'three', total: 3, truncated: false, entries: expect.any(Array) });
    writeFileSync(join(root, 'three', 'd'), '');
    expect(await run({ root, maxListEntries: 3 }, 'list_dir', { path: 'three' })).toMatchObject({ total: 4, truncated: true, omitted: 1 });
    // An empty directory.
    mkdirSync(join(root, 'empty'));
    expect(await run({ root }, 'list_dir', { path: 'empty' })).toEqual({ path: 'empty', total: 0, truncated: false, entries: [] });
  });

  it('read_file: a cut read says how many bytes are left and where to go on; following nextOffset reads the rest', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'ten.txt'), '0123456789');
    const first = await run({ root }, 'read_file', { path: 'ten.txt', maxBytes: 4 });
    expect(first).toMatchObject({ size: 10, offset: 0, truncated: true, nextOffset: 4, content: '0123' });
    expect(first.truncation).toBe('showing bytes 0-4 of 10; 6 more bytes not shown (read again with offset 4)');
    const second = await run({ root }, 'read_file', { path: 'ten.txt', offset: first.nextOffset, maxBytes: 4 });
    expect(second).toMatchObject({ offset: 4, truncated: true, nextOffset: 8, content: '4567' });
    const last = await run({ root }, 'read_file', { path: 'ten.txt', offset: second.nextOffset, maxBytes: 4 });
    expect(last).toEqual({ path: 'ten.txt', size: 10, offset: 8, truncated: false, content: '89' });
    // Exactly maxBytes, an empty file and an offset past the end are complete.
    expect(await run({ root }, 'read_file', { path: 'ten.txt', maxBytes: 10 })).toMatchObject({ truncated: false, content: '0123456789' });
    writeFileSync(join(root, 'empty.txt'), '');
    expect(await run({ root }, 'read_file', { path: 'empty.txt' })).toEqual({ path: 'empty.txt', size: 0, offset: 0, truncated: false, content: '' });
    expect(await run({ root }, 'read_file', { path: 'ten.txt', offset: 50 })).toMatchObject({ truncated: false, content: '' });
    // The default cap (maxReadBytes) marks a cut the same way.
    writeFileSync(join(root, 'big.txt'), 'x'.repeat(3_000));
    expect(await run({ root, maxReadBytes: 1_000 }, 'read_file', { path: 'big.txt' })).toMatchObject({ truncated: true, nextOffset: 1_000, truncation: expect.stringContaining('2000 more bytes') });
  });

  it('search_files: marked truncated only when something was left out, and says by which cap', async () => {
    const root = freshRoot();
    for (let i = 0; i < 3; i++) writeFileSync(join(root, `match-${i}.txt`), 'needle here');
    const exact = await run({ root }, 'search_files', { query: 'needle', maxResults: 3 });
    expect(exact).toEqual({ results: expect.any(Array), truncated: false });
    expect(exact.results).toHaveLength(3);
    writeFileSync(join(root, 'match-3.txt'), 'needle again');
    const cut = await run({ root }, 'search_files', { query: 'needle', maxResults: 3 });
    expect(cut).toMatchObject({ truncated: true, truncatedBy: 'maxResults', truncation: 'stopped at 3 results (maxResults); more entries match' });
    expect(cut.results).toHaveLength(3);
    // maxSearchFiles: exactly as many entries as the cap is a complete walk; one more is a cut.
    expect(await run({ root, maxSearchFiles: 4 }, 'search_files', { query: 'nowhere' })).toEqual({ results: [], truncated: false });
    writeFileSync(join(root, 'other.txt'), 'nothing');
    expect(await run({ root, maxSearchFiles: 4 }, 'search_files', { query: 'nowhere' })).toMatchObject({ results: [], truncated: true, truncatedBy: 'maxSearchFiles', truncation: expect.stringContaining('4 entries') });
  });

  it('search_files: a long matching line is cut visibly, and files too large to search are reported', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'long.txt'), `${'a'.repeat(300)} needle ${'b'.repeat(300)}\nshort needle\n`);
    writeFileSync(join(root, 'huge.log'), `${'needle '.repeat(50_000)}\n`);
    const result = await run({ root }, 'search_files', { query: 'needle' });
    const line = (result.results as { path: string; line?: string }[]).find((r) => r.path === 'long.txt')!.line!;
    expect(line).toHaveLength(202); // 200 characters around the match, cut on both sides
    expect(line).toContain(' needle ');
    expect(line.startsWith('…') && line.endsWith('…')).toBe(true);
    expect(result).toMatchObject({ truncated: false, skippedLargeFiles: 1, note: expect.stringContaining('matched by name only') });
  });

  it('refuses an invalid maxListEntries, naming the field', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '10', 100_001]) {
      let error: unknown;
      try {
        createFsTools({ root: freshRoot(), maxListEntries: bad } as never);
      } catch (caught) {
        error = caught;
      }
      expect(AgentrtError.isInstance(error) && error.code, String(bad)).toBe('config_invalid');
      expect((error as { field?: string }).field, String(bad)).toBe('maxListEntries');
    }
  });
});
