import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolContext } from '@agentrt/core';
import { createFsTools, type FsToolOptions } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const run = async (options: FsToolOptions, name: string, args: unknown): Promise<Record<string, unknown>> => {
  const tool = createFsTools(options).find((t: Tool) => t.name === name)!;
  return (await tool.execute(tool.input.parse(args), ctx())) as Record<string, unknown>;
};

describe('@agentrt/tools-fs read_file cuts (red team 7a)', () => {
  it('following nextOffset through a Unicode file returns its text exactly: a cut never splits a UTF-8 character', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-rt7a-'));
    bases.push(root);
    const text = 'héllo wörld ✓ 日本語 😀 naïve — ok\n'.repeat(12);
    writeFileSync(join(root, 'unicode.txt'), text);
    for (const maxBytes of [4, 5, 7, 64, 1000]) {
      let offset = 0;
      let joined = '';
      for (let calls = 0; calls < 2_000; calls++) {
        const result = await run({ root }, 'read_file', { path: 'unicode.txt', offset, maxBytes });
        expect(result.content as string, `maxBytes ${maxBytes} at ${offset}`).not.toContain('\uFFFD');
        joined += result.content as string;
        if (!result.truncated) break;
        expect(result.nextOffset as number).toBeGreaterThan(offset); // always progresses
        offset = result.nextOffset as number;
      }
      expect(joined, `maxBytes ${maxBytes}`).toBe(text);
    }
    // The cap cut by maxReadBytes (no maxBytes) keeps the same rule.
    const capped = await run({ root, maxReadBytes: 2 }, 'read_file', { path: 'unicode.txt' });
    expect(capped).toMatchObject({ truncated: true, content: 'h', nextOffset: 1 }); // not 'h' + half of 'é'
    // A character longer than maxBytes cannot be whole: the read still progresses (no endless loop).
    writeFileSync(join(root, 'emoji.txt'), '😀😀');
    const tiny = await run({ root }, 'read_file', { path: 'emoji.txt', maxBytes: 2 });
    expect(tiny).toMatchObject({ truncated: true, nextOffset: 2 });
  });
});
