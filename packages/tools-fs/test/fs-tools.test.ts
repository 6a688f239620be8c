import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createFsTools, openForWrite } from '@agentrt/tools-fs';
import { createPathTraversalLayout, describeFsToolPack, describeToolPack, LEGITIMATE_NAMES, PATH_TRAVERSAL, PATH_TRAVERSAL_SYMLINKS, releaseFifo } from '@agentrt/testing';
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

describeFsToolPack({
  name: '@agentrt/tools-fs',
  tools: (root, { allowHardLinks }) => createFsTools({ root, ...(allowHardLinks ? { allowHardLinks } : {}) }),
});

describe('@agentrt/tools-fs special files, hard links and legitimate links', () => {
  it('refuses each kind of special file with its typed code, for reads and writes', async () => {
    const layout = await createPathTraversalLayout(CANARY);
    try {
      const tools = createFsTools({ root: layout.root });
      const expected = { fifo: 'not_regular_file', socket: 'not_regular_file', device: 'not_regular_file', 'hardlink-outside': 'path_outside_root', 'symlink-device': 'path_outside_root', 'symlink-proc': 'path_outside_root' } as const;
      expect(layout.special.map((s) => s.kind)).toEqual(expect.arrayContaining(['fifo', 'socket', 'hardlink-outside', 'symlink-device']));
      for (const { path, kind } of layout.special) {
        expect((await call(tool(tools, 'read_file'), { path })).code, `read ${kind}`).toBe(expected[kind]);
        expect((await call(tool(tools, 'write_file'), { path, content: 'x' })).code, `write ${kind}`).toBe(expected[kind]);
        expect(['path_invalid', 'path_outside_root'], `list ${kind}`).toContain((await call(tool(tools, 'list_dir'), { path })).code);
      }
      const listed = (JSON.parse((await call(tool(tools, 'list_dir'), { path: '.' })).output!) as { entries: { name: string; type: string }[] }).entries;
      expect(listed).toEqual(expect.arrayContaining([{ name: 'pipe', type: 'other' }, { name: 'notes.sock', type: 'other' }]));
    } finally {
      layout.cleanup();
    }
  });

  it('reads and overwrites multiply-linked files only with allowHardLinks: true', async () => {
    const layout = await createPathTraversalLayout(CANARY);
    try {
      const allowed = createFsTools({ root: layout.root, allowHardLinks: true });
      expect(JSON.parse((await call(tool(allowed, 'read_file'), { path: 'hard-secret.txt' })).output!)).toMatchObject({ content: CANARY });
      expect((await call(tool(allowed, 'write_file'), { path: 'hard-secret.txt', content: 'changed' })).code).toBeUndefined();
      expect(readFileSync(join(layout.base, 'hard-target.txt'), 'utf8')).toBe('changed');
      const strict = createFsTools({ root: layout.root });
      expect((await call(tool(strict, 'read_file'), { path: 'hard-secret.txt' })).code).toBe('path_outside_root');
      expect(() => createFsTools({ root: layout.root, allowHardLinks: 'yes' as never })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'allowHardLinks' }));
    } finally {
      layout.cleanup();
    }
  });

  it('reads, lists and searches through symlinks that stay inside the root; writes never follow one', async () => {
    const { root } = layout();
    symlinkSync(join(root, 'hello.txt'), join(root, 'link-in.txt'));
    symlinkSync('sub', join(root, 'link-sub'));
    const tools = createFsTools({ root });
    expect(JSON.parse((await call(tool(tools, 'read_file'), { path: 'link-in.txt' })).output!)).toMatchObject({ path: 'hello.txt', content: 'hello from inside\n' });
    expect(JSON.parse((await call(tool(tools, 'read_file'), { path: 'link-sub/note.md' })).output!)).toMatchObject({ path: 'sub/note.md' });
    expect(JSON.parse((await call(tool(tools, 'list_dir'), { path: 'link-sub' })).output!).entries).toEqual(expect.arrayContaining([{ name: 'note.md', type: 'file' }, { name: 'link-up', type: 'symlink' }]));
    expect(JSON.parse((await call(tool(tools, 'search_files'), { query: 'rate', path: 'link-sub' })).output!).results).toEqual([{ path: 'sub/note.md', match: 'content', line: 'a note about rate limits' }]);
    expect((await call(tool(tools, 'write_file'), { path: 'link-in.txt', content: 'x' })).code).toBe('path_outside_root');
    expect(readFileSync(join(root, 'hello.txt'), 'utf8')).toBe('hello from inside\n');
  });

  it(`handles ${LEGITIMATE_NAMES.length} odd legitimate names, including a colon (not a URL scheme)`, async () => {
    const { root } = layout();
    const tools = createFsTools({ root });
    for (const name of LEGITIMATE_NAMES) {
      expect((await call(tool(tools, 'write_file'), { path: name, content: name })).code, name).toBeUndefined();
      expect(readFileSync(join(root, name), 'utf8'), name).toBe(name);
      expect(JSON.parse((await call(tool(tools, 'read_file'), { path: name })).output!).content, name).toBe(name);
    }
  });

  it('never blocks when a regular file is swapped for a FIFO between check and open (O_NONBLOCK)', async () => {
    const { base, root } = layout();
    const at = join(root, 'flip.txt');
    writeFileSync(at, 'regular');
    const flipper = `
      const fs = require('node:fs'); const { execFileSync } = require('node:child_process');
      const at = ${JSON.stringify(at)}, fifo = ${JSON.stringify(join(base, 'flip.fifo'))}, file = ${JSON.stringify(join(base, 'flip.file'))};
      execFileSync('mkfifo', [fifo]); fs.writeFileSync(file, 'regular');
      process.stdout.write('flipping\\n');
      const end = Date.now() + 60_000; // a safety net: the test kills it once its attempts are done
      while (Date.now() < end) {
        try { fs.renameSync(at, at + '.old'); fs.linkSync(fifo, at); fs.unlinkSync(at); fs.renameSync(at + '.old', at); } catch {}
      }`;
    const child = spawn(process.execPath, ['-e', flipper], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      // A fixed number of rounds, all while the flipper runs (a time window would shrink on a busy machine).
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const tools = createFsTools({ root });
      let calls = 0;
      for (let round = 0; round < 15; round++) {
        const outcomes = await Promise.race([
          Promise.all(Array.from({ length: 6 }, () => call(tool(tools, 'read_file'), { path: 'flip.txt' }))),
          new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3_000)),
        ]);
        expect(outcomes).not.toBe('hung');
        for (const outcome of outcomes as { code?: string; output?: string }[]) {
          calls++;
          expect(outcome.code === undefined || ['not_regular_file', 'file_not_found', 'path_outside_root', 'path_invalid'].includes(outcome.code), outcome.code).toBe(true);
        }
      }
      expect(calls).toBe(90);
    } finally {
      child.kill('SIGKILL');
      await exited;
      releaseFifo(join(base, 'flip.fifo'));
    }
  });
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
