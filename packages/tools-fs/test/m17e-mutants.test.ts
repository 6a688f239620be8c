/**
 * Mutants 17e (tools-fs): cases the package's tests did not have, each written to fail a realistic
 * fault the earlier tests let through (see docs/testing.md, "Mutants 17e"): real files, directories,
 * symbolic links in a temporary directory, through the pack's public tools.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-m17e-'));
  bases.push(base);
  const root = join(base, 'root');
  mkdirSync(root);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'needle-outside.txt'), 'needle outside the root');
  return { base, root, outside: join(base, 'outside') };
}

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const named = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;
/** A call as the runtime makes it: arguments through the schema, then execute; the output or the typed code. */
async function call(tool: Tool, args: unknown): Promise<{ code?: string; output?: Record<string, unknown> }> {
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid' };
  try {
    return { output: (await tool.execute(parsed.data, ctx())) as Record<string, unknown> };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? 'untyped' };
  }
}

describe('tools-fs mutants 17e', () => {
  it('search_files reports no symbolic link, even one whose own name matches the query', async () => {
    const { root, outside } = layout();
    writeFileSync(join(root, 'needle-real.txt'), 'x');
    symlinkSync(join(outside, 'needle-outside.txt'), join(root, 'needle-link-out.txt'));
    symlinkSync(outside, join(root, 'needle-dir-link'));
    symlinkSync(join(root, 'needle-real.txt'), join(root, 'needle-link-in.txt'));
    const { output } = await call(named(createFsTools({ root }), 'search_files'), { query: 'needle' });
    expect(output!.results).toEqual([{ path: 'needle-real.txt', match: 'name' }]);
  });

  it('search_files reads a file of exactly 256 KiB as text; one byte more is matched by name only', async () => {
    const { root } = layout();
    const body = (size: number) => `${'a'.repeat(size - '\nneedle\n'.length)}\nneedle\n`;
    writeFileSync(join(root, 'at-cap.txt'), body(256 * 1024));
    writeFileSync(join(root, 'over-cap.txt'), body(256 * 1024 + 1));
    const { output } = await call(named(createFsTools({ root }), 'search_files'), { query: 'needle' });
    expect(output!.results).toEqual([{ path: 'at-cap.txt', match: 'content', line: 'needle' }]);
    expect(output!.skippedLargeFiles).toBe(1);
  });

  it('read_file refuses a maxBytes above maxReadBytes (the cap is the operator\'s, not the model\'s)', async () => {
    const { root } = layout();
    writeFileSync(join(root, 'big.txt'), 'b'.repeat(5_000));
    const read = named(createFsTools({ root, maxReadBytes: 1_000 }), 'read_file');
    expect(await call(read, { path: 'big.txt', maxBytes: 5_000 })).toEqual({ code: 'tool_args_invalid' });
    const { output } = await call(read, { path: 'big.txt' });
    expect(output).toMatchObject({ truncated: true, nextOffset: 1_000 });
    expect((output!.content as string).length).toBe(1_000);
  });

  it('a root that is a file, not a directory, is refused when the pack is created (config_invalid)', () => {
    const { base } = layout();
    writeFileSync(join(base, 'not-a-dir'), 'x');
    expect(() => createFsTools({ root: join(base, 'not-a-dir') })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('not a directory') }));
  });
});
