import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, createRuntime, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

// Red team 15c: the filesystem pack used as an outsider would (public exports, createRuntime,
// ScriptedModel). Positive paths first, proven as hard as the refusals.

const CANARY = 'RT15C-OUTSIDE-CANARY';
const bases: string[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-rt15c-'));
  bases.push(base);
  const root = join(base, 'root');
  mkdirSync(root);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), CANARY);
  return { base, root, outside: join(base, 'outside') };
}

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const named = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;
/** A call as the runtime makes it: args through the schema, then execute; the outcome or the typed code. */
async function call(tool: Tool, args: unknown): Promise<{ code?: string; output?: Record<string, unknown> }> {
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid' };
  try {
    return { output: (await tool.execute(parsed.data, ctx())) as Record<string, unknown> };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}` };
  }
}
const toolResult = (model: ScriptedModel, request: number) => model.requests[request]!.messages.at(-1) as ToolMessage;

describe('tools-fs positive paths (red team 15c)', () => {
  it('writes, reads, lists and searches UTF-8 multibyte text through a real run', async () => {
    const { root } = layout();
    const text = 'Grüße aus Köln — 日本語のテキスト 😀👍🏽 naïve café\nzweite Zeile: ĞÜŞİÖÇ\n';
    const model = new ScriptedModel([
      ScriptedModel.call('write_file', { path: 'notizen/grüße 😀.md', content: text }),
      ScriptedModel.call('read_file', { path: 'notizen/grüße 😀.md' }),
      ScriptedModel.call('list_dir', { path: 'notizen' }),
      ScriptedModel.call('search_files', { query: '日本語' }),
      ScriptedModel.call('search_files', { query: 'GRÜSSE' }), // case-insensitive, but ß is not "ss": no match is right
      ScriptedModel.call('search_files', { query: 'KÖLN' }),
      ScriptedModel.answer('done'),
    ]);
    const runtime = createRuntime({ model, tools: createFsTools({ root }) });
    const result = await runtime.run('files');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 6 });
    expect(readFileSync(join(root, 'notizen', 'grüße 😀.md'), 'utf8')).toBe(text);
    expect(JSON.parse(toolResult(model, 1).content as string)).toEqual({ path: 'notizen/grüße 😀.md', bytes: Buffer.byteLength(text) });
    expect(JSON.parse(toolResult(model, 2).content as string)).toMatchObject({ truncated: false, content: text, size: Buffer.byteLength(text) });
    expect(JSON.parse(toolResult(model, 3).content as string)).toEqual({ path: 'notizen', total: 1, truncated: false, entries: [{ name: 'grüße 😀.md', type: 'file' }] });
    expect(JSON.parse(toolResult(model, 4).content as string).results).toEqual([{ path: 'notizen/grüße 😀.md', match: 'content', line: 'Grüße aus Köln — 日本語のテキスト 😀👍🏽 naïve café' }]);
    expect(JSON.parse(toolResult(model, 5).content as string).results).toEqual([]);
    expect(JSON.parse(toolResult(model, 6).content as string).results).toHaveLength(1);
  });

  it('a large multibyte file is cut at a character boundary with truncated: true, and nextOffset walks it exactly within maxResultChars', async () => {
    const { root } = layout();
    // 4-byte, 3-byte, 2-byte and 1-byte characters, and characters JSON escapes (quote, newline, tab).
    const unit = '😀日é"a\n\t';
    const text = unit.repeat(30_000); // ~ 480 KB
    writeFileSync(join(root, 'big.txt'), text);
    const read = named(createFsTools({ root }), 'read_file');
    let offset = 0;
    let joined = '';
    let calls = 0;
    for (;;) {
      const { output, code } = await call(read, { path: 'big.txt', offset });
      expect(code).toBeUndefined();
      calls++;
      // The whole result reaches the model (below the runtime's 32 768-character cap).
      expect(JSON.stringify(output).length).toBeLessThanOrEqual(32_000);
      const content = output!.content as string;
      expect(content).not.toContain('\uFFFD');
      joined += content;
      if (!output!.truncated) break;
      expect(output).toMatchObject({ truncated: true, nextOffset: offset + Buffer.byteLength(content) });
      expect(output!.truncation).toMatch(/more bytes not shown/);
      offset = output!.nextOffset as number;
    }
    expect(calls).toBeGreaterThan(10);
    expect(joined).toBe(text);
  });

  it('an offset a model computes itself (offset + maxBytes, or any byte) that lands inside a character starts at that character: no U+FFFD, nothing lost or repeated', async () => {
    const { root } = layout();
    const text = 'ab日本語😀é'.repeat(200);
    writeFileSync(join(root, 'u.txt'), text);
    const read = named(createFsTools({ root }), 'read_file');
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < 16; offset++) {
      const { output } = await call(read, { path: 'u.txt', offset, maxBytes: 7 });
      const content = output!.content as string;
      expect(content, `offset ${offset}`).not.toContain('\uFFFD');
      // The result says where it starts: the first byte of the character holding the offset.
      const start = output!.offset as number;
      expect(start).toBeLessThanOrEqual(offset);
      expect(offset - start).toBeLessThan(4);
      expect(Buffer.from(content).equals(bytes.subarray(start, start + Buffer.byteLength(content))), `offset ${offset}`).toBe(true);
    }
    // Paging by its own arithmetic (offset += maxBytes, ignoring nextOffset) still reads the text exactly once.
    let joined = '';
    for (let offset = 0; offset < bytes.length; offset += 10) joined += (await call(read, { path: 'u.txt', offset, maxBytes: 10 })).output!.content as string;
    expect(joined).toBe(text);
    // A binary file (no UTF-8 structure) is read from the exact offset asked for.
    writeFileSync(join(root, 'bin'), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x41]));
    expect((await call(read, { path: 'bin', offset: 3 })).output).toMatchObject({ offset: 3 });
  });

  it('a binary file is read without a crash and bounded; a symlink inside the root is read, listed and searched through', async () => {
    const { root } = layout();
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 37) % 256));
    writeFileSync(join(root, 'blob.bin'), bytes);
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real', 'target.txt'), 'linked needle');
    symlinkSync('real/target.txt', join(root, 'link.txt'));
    symlinkSync('real', join(root, 'linkdir'));
    const tools = createFsTools({ root });
    const binary = await call(named(tools, 'read_file'), { path: 'blob.bin' });
    expect(binary.code).toBeUndefined();
    // media15f: binary bytes are described, not returned as U+FFFD text.
    expect(binary.output).toMatchObject({ size: 70_000, binary: true, mediaType: 'application/octet-stream' });
    expect(JSON.stringify(binary.output).length).toBeLessThanOrEqual(32_000);
    expect((await call(named(tools, 'read_file'), { path: 'link.txt' })).output).toMatchObject({ path: 'real/target.txt', content: 'linked needle' });
    expect((await call(named(tools, 'read_file'), { path: 'linkdir/target.txt' })).output).toMatchObject({ content: 'linked needle' });
    expect((await call(named(tools, 'list_dir'), { path: 'linkdir' })).output).toMatchObject({ entries: [{ name: 'target.txt', type: 'file' }] });
    const listing = (await call(named(tools, 'list_dir'), {})).output!;
    expect(listing.entries).toEqual(expect.arrayContaining([{ name: 'link.txt', type: 'symlink' }, { name: 'linkdir', type: 'symlink' }]));
    // Searches do not follow links (documented): the target is found once, under its real path.
    expect((await call(named(tools, 'search_files'), { query: 'needle' })).output!.results).toEqual([{ path: 'real/target.txt', match: 'content', line: 'linked needle' }]);
    // Writes never follow symlinks (documented), even inside the root: a typed refusal.
    expect((await call(named(tools, 'write_file'), { path: 'link.txt', content: 'x' })).code).toBe('path_outside_root');
    expect(readFileSync(join(root, 'real', 'target.txt'), 'utf8')).toBe('linked needle');
  });

  it('names a user would pick: __proto__, constructor, leading dash, spaces, #, newline-free punctuation', async () => {
    const { root } = layout();
    const tools = createFsTools({ root });
    for (const name of ['__proto__', 'constructor', 'toString', '-rf', 'a b#c?.txt', 'hasOwnProperty/__proto__.json']) {
      expect((await call(named(tools, 'write_file'), { path: name, content: name })).output, name).toMatchObject({ bytes: Buffer.byteLength(name) });
      expect((await call(named(tools, 'read_file'), { path: name })).output, name).toMatchObject({ content: name });
    }
    const entries = (await call(named(tools, 'list_dir'), {})).output!.entries as { name: string }[];
    expect(entries.map((entry) => entry.name).sort()).toEqual(['-rf', '__proto__', 'a b#c?.txt', 'constructor', 'hasOwnProperty', 'toString']);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe('tools-fs hostile values (red team 15c): typed errors the model sees, never a crash or a hang', () => {
  it('traversal, absolute paths, escaping symlinks, special files, directories where files are expected and bad names each get a typed error, and the run continues', async () => {
    const { base, root, outside } = layout();
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync('/etc/passwd', join(root, 'passwd'));
    symlinkSync('/dev/zero', join(root, 'zero'));
    symlinkSync('/proc/self/environ', join(root, 'environ'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    const socketServer = createServer();
    servers.push(socketServer);
    await new Promise<void>((resolve) => socketServer.listen(join(root, 'sock'), resolve));
    linkSync(join(outside, 'secret.txt'), join(root, 'hardlink.txt'));
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'file.txt'), 'plain');
    const cases: [string, Record<string, unknown>, string][] = [
      ['read_file', { path: '../outside/secret.txt' }, 'path_outside_root'],
      ['read_file', { path: 'dir/../../outside/secret.txt' }, 'path_outside_root'],
      ['read_file', { path: join(outside, 'secret.txt') }, 'path_outside_root'],
      ['read_file', { path: `../${join(base, 'root')}-evil/x` }, 'path_outside_root'],
      ['read_file', { path: 'escape/secret.txt' }, 'path_outside_root'],
      ['read_file', { path: 'passwd' }, 'path_outside_root'],
      ['read_file', { path: 'zero' }, 'path_outside_root'],
      ['read_file', { path: 'environ' }, 'path_outside_root'],
      ['read_file', { path: 'fifo' }, 'not_regular_file'],
      ['read_file', { path: 'sock' }, 'not_regular_file'],
      ['read_file', { path: 'hardlink.txt' }, 'path_outside_root'],
      ['read_file', { path: 'dir' }, 'path_invalid'],
      ['read_file', { path: 'file.txt/x' }, 'file_not_found'],
      ['read_file', { path: 'a\u0000b' }, 'path_invalid'],
      ['read_file', { path: 'missing\n.txt' }, 'file_not_found'],
      ['list_dir', { path: 'escape' }, 'path_outside_root'],
      ['list_dir', { path: 'file.txt' }, 'path_invalid'],
      ['list_dir', { path: '..' }, 'path_outside_root'],
      ['list_dir', { path: '/' }, 'path_outside_root'],
      ['search_files', { query: 'CANARY', path: 'escape' }, 'path_outside_root'],
      ['search_files', { query: 'x', path: 'file.txt' }, 'path_invalid'],
      ['write_file', { path: '../outside/new.txt', content: 'x' }, 'path_outside_root'],
      ['write_file', { path: 'escape/new.txt', content: 'x' }, 'path_outside_root'],
      ['write_file', { path: 'escape/secret.txt', content: 'x' }, 'path_outside_root'],
      ['write_file', { path: 'zero', content: 'x' }, 'path_outside_root'],
      ['write_file', { path: 'fifo', content: 'x' }, 'not_regular_file'],
      ['write_file', { path: 'sock', content: 'x' }, 'not_regular_file'],
      ['write_file', { path: 'hardlink.txt', content: 'x' }, 'path_outside_root'],
      ['write_file', { path: 'dir', content: 'x' }, 'path_invalid'],
      ['write_file', { path: '.', content: 'x' }, 'path_invalid'],
      ['write_file', { path: 'dir/..', content: 'x' }, 'path_invalid'],
      ['write_file', { path: 'file.txt/child', content: 'x' }, 'path_invalid'],
      ['write_file', { path: 'a\u0000b', content: 'x' }, 'path_invalid'],
      ['write_file', { path: 'big.txt', content: 'é'.repeat(2 ** 19 + 1) }, 'file_too_large'], // 1 MiB + 2 bytes in half as many characters
      ['write_file', { path: 'huge.txt', content: 'x'.repeat(2 ** 20 + 1) }, 'tool_args_invalid'],
    ];
    const tools = createFsTools({ root });
    // Each case alone, with its code.
    for (const [name, args, code] of cases) {
      const outcome = await call(named(tools, name), args);
      expect(outcome.code, `${name} ${JSON.stringify(args).slice(0, 120)} → ${JSON.stringify(outcome.output)?.slice(0, 200)}`).toBe(code);
    }
    // And all of them through one run: every refusal is an error tool result, the run goes on to its answer.
    const model = new ScriptedModel([...cases.map(([name, args]) => ScriptedModel.call(name, args)), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools, limits: { maxSteps: cases.length + 1, maxToolCalls: cases.length } });
    const result = await runtime.run('attack');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    for (let index = 0; index < cases.length; index++) {
      const message = toolResult(model, index + 1);
      expect(message.isError, JSON.stringify(cases[index])).toBe(true);
      expect(String(message.content)).not.toContain(CANARY);
    }
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe(CANARY);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(existsSync(join(root, 'big.txt')) || existsSync(join(root, 'huge.txt'))).toBe(false);
  });

  it('malformed arguments a model sends (wrong types, negative offsets, raw JSON with __proto__) are tool_args_invalid results, never a crash', async () => {
    const { root } = layout();
    writeFileSync(join(root, 'file.txt'), 'plain');
    const bad: [string, unknown][] = [
      ['read_file', { path: 123 }], ['read_file', { path: ['file.txt'] }], ['read_file', { path: 'file.txt', offset: -1 }],
      ['read_file', { path: 'file.txt', offset: 1.5 }], ['read_file', { path: 'file.txt', maxBytes: 0 }], ['read_file', { path: 'x'.repeat(1_025) }],
      ['write_file', { path: 'a.txt', content: null }], ['write_file', { path: 'a.txt' }], ['search_files', { query: '' }],
      ['search_files', { query: 'x', maxResults: 10_000 }], ['list_dir', { path: '' }],
      ['read_file', '{"path":"file.txt","offset":'], ['read_file', '[1,2]'], ['read_file', 'null'],
    ];
    const model = new ScriptedModel([
      ...bad.map(([name, args]) => ScriptedModel.call(name, args)),
      ScriptedModel.call('read_file', '{"path":"file.txt","__proto__":{"offset":3},"constructor":{"prototype":{"polluted":true}}}'),
      ScriptedModel.answer('done'),
    ]);
    const runtime = createRuntime({ model, tools: createFsTools({ root }), limits: { maxSteps: bad.length + 2, maxToolCalls: bad.length + 1 } });
    const result = await runtime.run('bad args');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    for (let index = 0; index < bad.length; index++) {
      const message = toolResult(model, index + 1);
      expect(message.isError, JSON.stringify(bad[index])).toBe(true);
      expect(String(message.content), JSON.stringify(bad[index])).toMatch(/^tool_args_invalid/);
    }
    // An own __proto__ key neither changes the offset nor pollutes anything.
    expect(JSON.parse(toolResult(model, bad.length + 1).content as string)).toMatchObject({ offset: 0, content: 'plain' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a directory swapped for an outside symlink while writes and reads run (TOCTOU) never lets anything out', async () => {
    const { root, outside } = layout();
    mkdirSync(join(root, 'work'));
    writeFileSync(join(root, 'work', 'secret.txt'), 'inside');
    mkdirSync(join(root, 'parked'));
    const tools = createFsTools({ root });
    let stop = false;
    // Swap root/work between a real directory and a symlink to outside as fast as the loop runs.
    const swapper = (async () => {
      let swaps = 0;
      while (!stop) {
        try {
          renameSync(join(root, 'work'), join(root, 'parked', 'work'));
          symlinkSync(outside, join(root, 'work'));
          await Promise.resolve();
          rmSync(join(root, 'work'));
          renameSync(join(root, 'parked', 'work'), join(root, 'work'));
        } catch {
          // a partial swap is fine: the next round repairs what it can
        }
        swaps++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return swaps;
    })();
    const leaks: string[] = [];
    for (let round = 0; round < 150; round++) {
      const write = await call(named(tools, 'write_file'), { path: `work/new-${round}.txt`, content: 'written' });
      const read = await call(named(tools, 'read_file'), { path: 'work/secret.txt' });
      const list = await call(named(tools, 'list_dir'), { path: 'work' });
      for (const outcome of [write, read, list]) {
        if (outcome.code?.startsWith('untyped')) leaks.push(outcome.code);
        if (JSON.stringify(outcome.output ?? '').includes(CANARY)) leaks.push(JSON.stringify(outcome.output));
      }
    }
    stop = true;
    expect(await swapper).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe(CANARY);
  });
});
