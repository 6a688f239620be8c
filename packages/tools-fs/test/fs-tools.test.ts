import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createFsTools, openForWrite } from '@agentrt/tools-fs';
import { describeToolPack, PATH_TRAVERSAL, PATH_TRAVERSAL_SYMLINKS } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const CANARY = 'TOP-SECRET-CANARY-0xF5';

/** base/{secret.txt, root-evil/secret.txt, outside-dir/secret.txt, root/{hello.txt, sub/, links…}} */
function layout() {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'hello.txt'), 'hello from inside\n');
  writeFileSync(join(root, 'sub', 'note.md'), 'a note about rate limits\n');
  writeFileSync(join(base, 'secret.txt'), CANARY);
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'secret.txt'), CANARY);
  mkdirSync(join(base, 'outside-dir'));
  writeFileSync(join(base, 'outside-dir', 'secret.txt'), CANARY);
  const targets = { 'outside-dir': join(base, 'outside-dir'), 'outside-file': join(base, 'secret.txt'), 'parent-of-root': base, self: '' };
  for (const { link, target } of PATH_TRAVERSAL_SYMLINKS) {
    const at = join(root, link);
    symlinkSync(target === 'self' ? at : targets[target], at);
  }
  return { base, root };
}
const ctx: ToolContext = { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal };
const tool = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;
const call = async (t: Tool, args: unknown) => {
  const parsed = t.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid' };
  try {
    return { output: JSON.stringify(await t.execute(parsed.data, ctx)) };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}` };
  }
};
const snapshot = (base: string) => readdirSync(base, { recursive: true }).filter((p) => !String(p).startsWith('root')).map(String).sort();

describeToolPack({
  name: '@agentrt/tools-fs',
  tools: () => createFsTools({ root: layout().root }),
  samples: {
    read_file: { valid: { path: 'hello.txt' }, invalid: [{}, { path: '' }, { path: 7 }, { path: 'x'.repeat(1_025) }], failing: { path: '../secret.txt' } },
    list_dir: { valid: { path: '.' }, invalid: [{ path: 1 }, { path: '' }], failing: { path: 'missing-dir' } },
    search_files: { valid: { query: 'rate' }, invalid: [{}, { query: '' }, { query: 'x', maxResults: 0 }], failing: { query: 'x', path: '/etc' } },
    write_file: { valid: { path: 'out/new.txt', content: 'hi' }, invalid: [{ path: 'x' }, { content: 'x' }, { path: 'x', content: 1 }], failing: { path: '../evil.txt', content: 'x' } },
  },
});

describe('@agentrt/tools-fs confinement', () => {
  it('refuses to start without a root (B-26) or with a missing one', () => {
    expect(() => createFsTools({} as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'root' }));
    expect(() => createFsTools({ root: '/definitely/not/here' })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'root' }));
  });

  it(`reads: ${PATH_TRAVERSAL.length} traversal payloads, zero escapes`, async () => {
    expect(PATH_TRAVERSAL.length).toBeGreaterThanOrEqual(60);
    const { root } = layout();
    const tools = createFsTools({ root });
    for (const { path, reject } of PATH_TRAVERSAL) {
      for (const name of ['read_file', 'list_dir', 'search_files'] as const) {
        const result = await call(tool(tools, name), name === 'search_files' ? { query: 'SECRET', path } : { path });
        expect(result.output ?? '', `${name} ${JSON.stringify(path.slice(0, 60))}`).not.toContain(CANARY);
        expect(result.output ?? '', `${name} ${JSON.stringify(path.slice(0, 60))}`).not.toContain('outside-dir');
        if (reject) expect(['path_outside_root', 'path_invalid', 'tool_args_invalid'], `${name} ${JSON.stringify(path.slice(0, 60))} → ${result.code}`).toContain(result.code);
        else expect(result.code === undefined || ['file_not_found', 'path_invalid'].includes(result.code), `${name} ${JSON.stringify(path)} → ${result.code}`).toBe(true);
      }
    }
  });

  it('writes: traversal payloads create or change nothing outside the root (B-22, B-24)', async () => {
    const { base, root } = layout();
    const before = snapshot(base);
    const tools = createFsTools({ root });
    for (const { path } of PATH_TRAVERSAL) await call(tool(tools, 'write_file'), { path, content: 'PWNED' });
    for (const extra of ['link-dir-out/new.txt', 'link-out/deeper/new.txt', 'sub/link-up/root-evil/x.txt', 'link-file']) {
      expect((await call(tool(tools, 'write_file'), { path: extra, content: 'PWNED' })).code).toBe('path_outside_root');
    }
    expect(snapshot(base)).toEqual(before);
    expect(readFileSync(join(base, 'secret.txt'), 'utf8')).toBe(CANARY);
    expect(readFileSync(join(base, 'outside-dir', 'secret.txt'), 'utf8')).toBe(CANARY);
  });

  it('reads and writes normally inside the root, with size limits and a read-only mode', async () => {
    const { root } = layout();
    const tools = createFsTools({ root, maxReadBytes: 10, maxWriteBytes: 20 });
    expect(JSON.parse((await call(tool(tools, 'write_file'), { path: 'a/b/c.txt', content: 'written' })).output!)).toEqual({ path: 'a/b/c.txt', bytes: 7 });
    expect(readFileSync(join(root, 'a/b/c.txt'), 'utf8')).toBe('written');
    const read = JSON.parse((await call(tool(tools, 'read_file'), { path: 'hello.txt' })).output!);
    expect(read).toMatchObject({ content: 'hello from', truncated: true, size: 18 });
    expect((await call(tool(tools, 'write_file'), { path: 'big.txt', content: 'x'.repeat(21) })).code).toBe('tool_args_invalid');
    const search = JSON.parse((await call(tool(tools, 'search_files'), { query: 'rate limits' })).output!);
    expect(search.results).toEqual([{ path: 'sub/note.md', match: 'content', line: 'a note about rate limits' }]);
    expect(createFsTools({ root, readOnly: true }).map((t) => t.name)).toEqual(['read_file', 'list_dir', 'search_files']);
  });

  it('opens for writing without following any symlink, even with no pre-check (openat-style)', async () => {
    const { base, root } = layout();
    const before = snapshot(base);
    for (const path of ['link-out/x.txt', 'link-dir-out/new/x.txt', 'sub/link-up/root-evil/x.txt', 'link-file', 'link-loop/x']) {
      await expect(openForWrite(root, path), path).rejects.toMatchObject({ code: 'path_outside_root' });
    }
    expect(snapshot(base)).toEqual(before);
    const { handle, display } = await openForWrite(root, 'fresh/dir/file.txt');
    await handle.close();
    expect(display).toBe('fresh/dir/file.txt');
    expect(existsSync(join(root, 'fresh/dir/file.txt'))).toBe(true);
  });

  it('survives a directory swapped for an outside symlink while reading and writing (B-25)', async () => {
    const { base, root } = layout();
    mkdirSync(join(root, 'swap'));
    writeFileSync(join(root, 'swap', 'secret.txt'), 'inside');
    const swapper = `
      const fs = require('node:fs'); const p = require('node:path');
      const at = ${JSON.stringify(join(root, 'swap'))}, held = ${JSON.stringify(join(root, 'held'))}, out = ${JSON.stringify(join(base, 'outside-dir'))};
      process.stdout.write('swapping\\n');
      const end = Date.now() + 60_000; // a safety net: the test kills it once its attempts are done
      while (Date.now() < end) {
        try { fs.renameSync(at, held); fs.symlinkSync(out, at); fs.unlinkSync(at); fs.renameSync(held, at); } catch {}
      }`;
    const child = spawn(process.execPath, ['-e', swapper], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // A fixed number of attempts, all made while the swapper runs (a time window would shrink on a busy machine).
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const tools = createFsTools({ root });
    const before = readdirSync(join(base, 'outside-dir')).sort();
    let reads = 0;
    try {
      for (; reads < 150; reads++) {
        const r = await call(tool(tools, 'read_file'), { path: 'swap/secret.txt' });
        expect(r.output ?? '').not.toContain(CANARY);
        await call(tool(tools, 'write_file'), { path: 'swap/written.txt', content: 'PWNED' });
        await call(tool(tools, 'write_file'), { path: `swap/new-${reads % 7}/deeper.txt`, content: 'PWNED' });
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(reads).toBe(150);
    expect(readdirSync(join(base, 'outside-dir')).sort()).toEqual(before);
    expect(existsSync(join(base, 'outside-dir', 'written.txt'))).toBe(false);
    expect(readdirSync(base).sort()).toEqual(['outside-dir', 'root', 'root-evil', 'secret.txt']);
  });
});
