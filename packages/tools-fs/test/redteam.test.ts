import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
    // A hole reads as NUL bytes: binary, so it is described (media15f), still from a 64 KiB head only.
    expect(JSON.parse(sparse.output!)).toMatchObject({ size: 2 ** 40, binary: true, mediaType: 'application/octet-stream' });
    // Any offset: the same note (a binary file is not paged).
    for (const offset of [2 ** 40 - 10, Number.MAX_SAFE_INTEGER]) {
      expect(JSON.parse((await call(named(tools, 'read_file'), { path: 'sparse.bin', offset })).output!)).toMatchObject({ size: 2 ** 40, binary: true });
    }
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

describe('red team: writes racing reads and each other', () => {
  it('parallel writes of one file leave one of the contents whole, never a mix; a racing read sees old or new', async () => {
    const { root } = layout();
    const tools = createFsTools({ root, maxResultChars: 1_000_000 }); // the whole file in one read
    const write = named(tools, 'write_file');
    const read = named(tools, 'read_file');
    const long = 'A'.repeat(200_000);
    const short = 'B'.repeat(10);
    writeFileSync(join(root, 'race.txt'), long);
    for (let round = 0; round < 20; round++) {
      // Started together, as the parallel calls of one step are.
      const [first, second, seen] = await Promise.all([call(write, { path: 'race.txt', content: long }), call(write, { path: 'race.txt', content: short }), call(read, { path: 'race.txt' })]);
      expect(first.code ?? second.code).toBeUndefined();
      const content = readFileSync(join(root, 'race.txt'), 'utf8');
      expect([long, short], `round ${round}: the file holds ${content.length} bytes starting ${content.slice(0, 12)}`).toContain(content);
      expect([long, short], `round ${round}: a read saw neither version`).toContain(JSON.parse(seen.output!).content);
    }
    // Nothing is left behind by the replacement.
    expect(readdirSync(root)).toEqual(['race.txt']);
  });

  it('a replaced file keeps its permission bits; a new file is created 0644', async () => {
    const { root } = layout();
    const write = named(createFsTools({ root }), 'write_file');
    writeFileSync(join(root, 'private.txt'), 'old', { mode: 0o600 });
    chmodSync(join(root, 'private.txt'), 0o600);
    writeFileSync(join(root, 'script.sh'), 'old');
    chmodSync(join(root, 'script.sh'), 0o755);
    expect((await call(write, { path: 'private.txt', content: 'new' })).code).toBeUndefined();
    expect((await call(write, { path: 'script.sh', content: '#!/bin/sh\n' })).code).toBeUndefined();
    expect((await call(write, { path: 'fresh.txt', content: 'new' })).code).toBeUndefined();
    expect(statSync(join(root, 'private.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'script.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'fresh.txt')).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(readFileSync(join(root, 'private.txt'), 'utf8')).toBe('new');
  });

  it('writing onto a directory is path_invalid and leaves no temporary file', async () => {
    const { root } = layout();
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'dir', 'inner.txt'), 'kept');
    expect((await call(named(createFsTools({ root }), 'write_file'), { path: 'dir', content: 'x' })).code).toBe('path_invalid');
    expect(readdirSync(root)).toEqual(['dir']);
    expect(readdirSync(join(root, 'dir'))).toEqual(['inner.txt']);
  });
});

describe('red team: names that are not what they seem', () => {
  it('a file where a directory is needed is path_invalid (not an escape) and nothing is created', async () => {
    const { root } = layout();
    writeFileSync(join(root, 'plain.txt'), 'x');
    const result = await call(named(createFsTools({ root }), 'write_file'), { path: 'plain.txt/child.txt', content: 'x' });
    expect(result.code).toBe('path_invalid');
    expect(readdirSync(root)).toEqual(['plain.txt']);
  });

  it('lone UTF-16 surrogates are path_invalid: they would name the U+FFFD file', async () => {
    const { root } = layout();
    writeFileSync(join(root, '\uFFFD'), 'replacement-named');
    const tools = createFsTools({ root });
    for (const path of ['\uD800', 'a\uDC00b', 'dir/\uDBFF']) {
      expect((await call(named(tools, 'write_file'), { path, content: 'clobbered' })).code, JSON.stringify(path)).toBe('path_invalid');
      expect((await call(named(tools, 'read_file'), { path })).code, JSON.stringify(path)).toBe('path_invalid');
    }
    expect(readFileSync(join(root, '\uFFFD'), 'utf8')).toBe('replacement-named');
    // A whole pair (an emoji) is an ordinary name.
    expect((await call(named(tools, 'write_file'), { path: 'smile-\u{1F600}.txt', content: 'ok' })).code).toBeUndefined();
  });

  it('a search cuts a long matching line without splitting a surrogate pair', async () => {
    const { root } = layout();
    writeFileSync(join(root, 'emoji.txt'), `needle!${'\u{1F600}'.repeat(200)}`);
    const result = JSON.parse((await call(named(createFsTools({ root }), 'search_files'), { query: 'needle' })).output!) as { results: { line: string }[] };
    const line = result.results[0]!.line;
    expect(line.endsWith('…')).toBe(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(line)).toBe(false);
  });
});
