import { spawn } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

const CANARY = 'RED-TEAM-CANARY-0x5A';
const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-red-'));
  bases.push(base);
  const root = join(base, 'root');
  mkdirSync(root);
  writeFileSync(join(base, 'secret.txt'), CANARY);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), CANARY);
  return { base, root };
}

const ctx = (signal: AbortSignal = new AbortController().signal): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal });
const named = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;
async function call(tool: Tool, args: unknown, signal?: AbortSignal): Promise<{ code?: string; output?: string; ms: number }> {
  const started = performance.now();
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid', ms: 0 };
  try {
    return { output: JSON.stringify(await tool.execute(parsed.data, ctx(signal))), ms: performance.now() - started };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`, ms: performance.now() - started };
  }
}

describe('red team: a search stops when its call is aborted (tool timeout, kill, cancel)', () => {
  it('an abort in the middle of a large directory ends the walk promptly instead of reading every file', async () => {
    const { root } = layout();
    const big = join(root, 'big');
    mkdirSync(big);
    const blob = `${'lorem ipsum '.repeat(21_000)}\n`;
    for (let i = 0; i < 400; i++) writeFileSync(join(big, `file-${i}.txt`), blob);
    const search = named(createFsTools({ root }), 'search_files');
    // Settles soon after the abort, not after reading all 400 files. Measured again (up to 3 times)
    // when over the bound: load on a shared machine comes and goes; a walk that ignores the abort
    // takes as long as the full walk every time.
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const full = await call(search, { query: 'needle-that-is-nowhere', path: 'big' });
      expect(full.code).toBeUndefined();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('the call timed out')), Math.max(20, full.ms / 10));
      const aborted = await call(search, { query: 'needle-that-is-nowhere', path: 'big' }, controller.signal);
      clearTimeout(timer);
      expect(aborted.output, 'an aborted search returns no results as if it had finished').toBeUndefined();
      seen.push(`aborted after ${Math.round(aborted.ms)} ms of a ${Math.round(full.ms)} ms walk`);
      if (aborted.ms < Math.max(full.ms / 2, 50)) break;
      if (attempt === 2) expect.fail(seen.join('; '));
    }
  });
});

describe('red team: file paths with a trailing slash', () => {
  it('name a directory: writing or reading one as a file is path_invalid and creates nothing', async () => {
    const { root } = layout();
    writeFileSync(join(root, 'a.txt'), 'inside');
    const tools = createFsTools({ root });
    for (const path of ['notes/', 'new-dir/', 'a.txt/', 'deep/er/']) {
      expect((await call(named(tools, 'write_file'), { path, content: 'x' })).code, `write ${path}`).toBe('path_invalid');
    }
    expect((await call(named(tools, 'read_file'), { path: 'a.txt/' })).code).toBe('path_invalid');
    expect(readdirSync(root)).toEqual(['a.txt']);
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('inside');
    // Directory tools still take a trailing slash.
    mkdirSync(join(root, 'sub'));
    expect((await call(named(tools, 'list_dir'), { path: 'sub/' })).code).toBeUndefined();
  });
});

describe('red team: odd filesystem objects and names (guards)', () => {
  it('symlinks to /proc/self/root, /proc/self/cwd and /dev/stdin, also as path prefixes, never leave the root', async () => {
    const { root } = layout();
    symlinkSync('/proc/self/root', join(root, 'proc-root'));
    symlinkSync('/proc/self/cwd', join(root, 'proc-cwd'));
    symlinkSync('/dev/stdin', join(root, 'stdin'));
    symlinkSync('/proc/self/fd', join(root, 'fds'));
    const tools = createFsTools({ root });
    for (const path of ['proc-root', 'proc-root/etc/passwd', 'proc-root/proc/self/environ', 'proc-cwd', 'proc-cwd/package.json', 'stdin', 'fds/0', 'fds']) {
      for (const name of ['read_file', 'list_dir', 'write_file'] as const) {
        const result = await call(named(tools, name), name === 'write_file' ? { path: `${path}/x`, content: 'x' } : { path });
        expect(result.code, `${name} ${path}`).toMatch(/^(path_outside_root|path_invalid|file_not_found|not_regular_file)$/);
      }
      const found = await call(named(tools, 'search_files'), { query: 'root', path });
      expect(found.output ?? '', path).not.toContain('root:x:0');
    }
    expect(readFileSync('/etc/hostname', 'utf8').length).toBeGreaterThan(0);
  });

  it('a chain of 45 symlinks and a two-link loop are path_invalid; a 1 TiB sparse file reads only maxBytes, fast', async () => {
    const { root } = layout();
    for (let i = 0; i < 45; i++) symlinkSync(`chain-${i + 1}`, join(root, `chain-${i}`));
    writeFileSync(join(root, 'chain-45'), 'end of the chain');
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));
    const fd = openSync(join(root, 'sparse.bin'), 'w');
    ftruncateSync(fd, 2 ** 40);
    closeSync(fd);
    const tools = createFsTools({ root, maxReadBytes: 4_096 });
    expect((await call(named(tools, 'read_file'), { path: 'chain-0' })).code).toBe('path_invalid');
    expect((await call(named(tools, 'read_file'), { path: 'loop-a' })).code).toBe('path_invalid');
    expect((await call(named(tools, 'write_file'), { path: 'loop-a/x', content: 'x' })).code).toMatch(/^path_(invalid|outside_root)$/);
    const sparse = await call(named(tools, 'read_file'), { path: 'sparse.bin' });
    expect(JSON.parse(sparse.output!)).toMatchObject({ size: 2 ** 40, truncated: true });
    expect(JSON.parse(sparse.output!).content.length).toBe(4_096);
    const tail = JSON.parse((await call(named(tools, 'read_file'), { path: 'sparse.bin', offset: 2 ** 40 - 10 })).output!);
    expect(tail.content.length).toBe(10);
    expect(JSON.parse((await call(named(tools, 'read_file'), { path: 'sparse.bin', offset: Number.MAX_SAFE_INTEGER })).output!).content).toBe('');
    const searched = await call(named(tools, 'search_files'), { query: 'anything' });
    expect(searched.code).toBeUndefined();
  });

  it('NFC and NFD names, case variants, newlines and ENAMETOOLONG are taken literally', async () => {
    const { root } = layout();
    const tools = createFsTools({ root });
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    expect((await call(named(tools, 'write_file'), { path: nfc, content: 'nfc' })).code).toBeUndefined();
    expect((await call(named(tools, 'read_file'), { path: nfd })).code).toBe('file_not_found');
    expect((await call(named(tools, 'read_file'), { path: 'CAF\u00c9.TXT' })).code).toBe('file_not_found');
    expect((await call(named(tools, 'write_file'), { path: nfd, content: 'nfd' })).code).toBeUndefined();
    expect(JSON.parse((await call(named(tools, 'read_file'), { path: nfc })).output!).content).toBe('nfc');
    expect(JSON.parse((await call(named(tools, 'read_file'), { path: nfd })).output!).content).toBe('nfd');
    for (const path of ['line\nbreak.txt', 'carriage\rreturn.txt', 'dir\nwith\nnewlines/file.txt']) {
      expect((await call(named(tools, 'write_file'), { path, content: path })).code, JSON.stringify(path)).toBeUndefined();
      expect(JSON.parse((await call(named(tools, 'read_file'), { path })).output!).content).toBe(path);
    }
    for (const path of ['x'.repeat(256), `${'d'.repeat(255)}/${'e'.repeat(256)}`]) {
      for (const name of ['read_file', 'write_file', 'list_dir'] as const) {
        expect((await call(named(tools, name), name === 'write_file' ? { path, content: 'x' } : { path })).code, `${name} ${path.length}`).toMatch(/^(path_invalid|file_not_found)$/);
      }
    }
  });

  it('a file growing while it is read and a 300-level tree: reads stay bounded, searches finish', async () => {
    const { base, root } = layout();
    const growing = join(root, 'growing.log');
    writeFileSync(growing, 'start\n');
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const end=Date.now()+2000;while(Date.now()<end){fs.appendFileSync(${JSON.stringify(growing)}, 'x'.repeat(65536));}`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    try {
      const tools = createFsTools({ root, maxReadBytes: 100_000 });
      for (let i = 0; i < 20; i++) {
        const read = await call(named(tools, 'read_file'), { path: 'growing.log' });
        expect(read.code).toBeUndefined();
        expect(JSON.parse(read.output!).content.length).toBeLessThanOrEqual(100_000);
      }
    } finally {
      writer.kill();
      await exited;
    }
    let dir = root;
    for (let i = 0; i < 300; i++) {
      dir = join(dir, 'd');
      mkdirSync(dir);
    }
    writeFileSync(join(dir, 'bottom.txt'), `needle ${CANARY.slice(0, 3)}`);
    const found = await call(named(createFsTools({ root }), 'search_files'), { query: 'needle' });
    expect(found.code).toBeUndefined();
    expect(JSON.parse(found.output!).results).toHaveLength(1);
    expect(existsSync(join(base, 'secret.txt'))).toBe(true);
  });
});
