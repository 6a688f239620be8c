import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const search = async (root: string, query: string): Promise<Map<string, string | undefined>> => {
  const tool = createFsTools({ root }).find((t: Tool) => t.name === 'search_files')!;
  const result = (await tool.execute(tool.input.parse({ query }), ctx())) as { results: { path: string; line?: string }[] };
  return new Map(result.results.map((r) => [r.path, r.line]));
};

describe('@agentrt/tools-fs search_files shows the match (red team 7a)', () => {
  it('a long matching line is cut around the match, so the line shown contains what was searched for', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-rt7a-'));
    bases.push(root);
    // A minified file: one 3.5 KB line, the match far past its first 200 characters.
    writeFileSync(join(root, 'min.json'), JSON.stringify({ data: 'x'.repeat(3_000), key: 'Needle-42', rest: 'y'.repeat(500) }));
    // Case-insensitive, with text before the match that lower-casing lengthens (İ → i̇).
    writeFileSync(join(root, 'turkish.txt'), `${'İ'.repeat(400)} NEEDLE-42 ${'z'.repeat(400)}`);
    // Near the end of the line, and a surrogate pair at the edge of the cut.
    writeFileSync(join(root, 'tail.txt'), `${'\u{1F600}'.repeat(300)}needle-42`);
    const lines = await search(root, 'needle-42');
    for (const [path, line] of lines) {
      expect(line!.toLowerCase(), path).toContain('needle-42');
      expect(line!.length, path).toBeLessThanOrEqual(202);
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(line!), path).toBe(false);
    }
    expect(lines.get('min.json')).toMatch(/^….*Needle-42.*…$/);
    expect(lines.get('tail.txt')).toMatch(/^….*needle-42$/);
    expect(lines.size).toBe(3);
  });

  it('a CRLF file yields its lines without the carriage return', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-rt7a-'));
    bases.push(root);
    writeFileSync(join(root, 'windows.txt'), 'first line\r\nsecond line\r\n');
    expect((await search(root, 'second')).get('windows.txt')).toBe('second line');
  });
});
