import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, ConfigError, type Tool, type ToolContext } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { afterAll, describe, expect, it } from 'vitest';

// File names are bytes on Linux; Node decodes them as UTF-8 and turns bytes that are not UTF-8 into
// U+FFFD. A name that does not survive that decoding must never be reachable through the lossy
// text (that text names another file, `caf\uFFFD.txt`, or none), and must show up visibly.

const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
async function call(tools: Tool[], name: string, args: unknown): Promise<{ code?: string; message?: string; output?: Record<string, unknown> }> {
  const tool = tools.find((t) => t.name === name)!;
  try {
    return { output: (await tool.execute(tool.input.parse(args), ctx())) as Record<string, unknown> };
  } catch (error) {
    if (!AgentrtError.isInstance(error)) throw error;
    return { code: error.code, message: error.message };
  }
}
/** `<root>/<bytes>` as a Buffer path (the only way to name a file whose name is not UTF-8). */
const bytesPath = (root: string, ...parts: (string | number[])[]) => Buffer.concat([Buffer.from(root), ...parts.flatMap((part) => [Buffer.from('/'), typeof part === 'string' ? Buffer.from(part) : Buffer.from(part)])]);
const LATIN1 = [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]; // "café.txt" in latin-1
const REPLACEMENT = 'caf\uFFFD.txt'; // what Node shows for it, and the (valid UTF-8) name of another file

function layout() {
  const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-bytes-'));
  bases.push(root);
  writeFileSync(bytesPath(root, LATIN1), 'latin-1 named needle');
  writeFileSync(join(root, REPLACEMENT), 'really named with U+FFFD');
  return root;
}

describe('@agentrt/tools-fs: names that are not valid UTF-8', () => {
  it('list_dir shows such a name escaped and flagged, never as the text of another file', async () => {
    const root = layout();
    const tools = createFsTools({ root });
    const { output } = await call(tools, 'list_dir', { path: '.' });
    const entries = output!.entries as { name: string; type: string; unreadableName?: boolean }[];
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.name)).size).toBe(2); // no two entries look alike
    expect(entries).toContainEqual({ name: REPLACEMENT, type: 'file' });
    expect(entries).toContainEqual({ name: 'caf\\xE9.txt', type: 'file', unreadableName: true });
    expect(output).toMatchObject({ total: 2, truncated: false, unreadableNames: 1 });
    expect(output!.note).toMatch(/not valid UTF-8/);
  });

  it('the lossy text reads and writes the file really named so; the escaped name is refused with path_invalid', async () => {
    const root = layout();
    const tools = createFsTools({ root });
    expect((await call(tools, 'read_file', { path: REPLACEMENT })).output).toMatchObject({ content: 'really named with U+FFFD' });
    const escaped = await call(tools, 'read_file', { path: 'caf\\xE9.txt' });
    expect(escaped.code).toBe('path_invalid');
    expect(escaped.message).toMatch(/not valid UTF-8/);
    expect((await call(tools, 'write_file', { path: 'caf\\xE9.txt', content: 'x' })).code).toBe('path_invalid');
    // Writing the lossy text never touches the latin-1 file.
    await call(tools, 'write_file', { path: REPLACEMENT, content: 'overwritten' });
    expect(readFileSync(bytesPath(root, LATIN1), 'utf8')).toBe('latin-1 named needle');
    rmSync(join(root, REPLACEMENT));
    expect((await call(tools, 'read_file', { path: REPLACEMENT })).code).toBe('file_not_found');
  });

  it('a symbolic link to such a name is refused (path_invalid) instead of opening the file the lossy text names', async () => {
    const root = layout();
    symlinkSync(Buffer.from(LATIN1), join(root, 'link.txt'));
    mkdirSync(bytesPath(root, [0x64, 0xff])); // directory "d\xFF"
    writeFileSync(bytesPath(root, [0x64, 0xff], 'inner.txt'), 'inner');
    mkdirSync(join(root, 'd\uFFFD'));
    writeFileSync(join(root, 'd\uFFFD', 'inner.txt'), 'decoy');
    symlinkSync(Buffer.from([0x64, 0xff]), join(root, 'dirlink'));
    const tools = createFsTools({ root });
    for (const [name, args] of [['read_file', { path: 'link.txt' }], ['read_file', { path: 'dirlink/inner.txt' }], ['list_dir', { path: 'dirlink' }], ['search_files', { query: 'inner', path: 'dirlink' }]] as const) {
      const result = await call(tools, name, args);
      expect(result.code, `${name} ${JSON.stringify(args)}: ${JSON.stringify(result.output)}`).toBe('path_invalid');
      expect(result.message).toMatch(/not valid UTF-8/);
    }
    // The write tool never follows links; a new file through the link is refused too.
    expect((await call(tools, 'write_file', { path: 'dirlink/new.txt', content: 'x' })).code).toMatch(/path_outside_root|path_invalid/);
  });

  it('search_files skips such entries visibly (count and note), never reading another file under their lossy name', async () => {
    const root = layout();
    mkdirSync(bytesPath(root, [0x64, 0xff]));
    writeFileSync(bytesPath(root, [0x64, 0xff], 'needle.txt'), 'needle inside');
    mkdirSync(join(root, 'd\uFFFD'));
    writeFileSync(join(root, 'd\uFFFD', 'other.txt'), 'decoy needle');
    writeFileSync(join(root, REPLACEMENT), 'needle in the U+FFFD file');
    const tools = createFsTools({ root });
    const { output } = await call(tools, 'search_files', { query: 'needle' });
    const results = output!.results as { path: string; line?: string }[];
    expect(results.map((r) => r.path).sort()).toEqual([REPLACEMENT, `d\uFFFD/other.txt`].sort());
    expect(results.find((r) => r.path === REPLACEMENT)?.line).toBe('needle in the U+FFFD file'); // once, with its own text
    expect(output).toMatchObject({ truncated: false, skippedUnreadableNames: 2 }); // the latin-1 file and the "d\xFF" directory
    expect(output!.unreadableNamesNote).toMatch(/not valid UTF-8/);
  });

  it('a root whose real path is not valid UTF-8 is refused at construction (config_invalid)', () => {
    const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-bytes-root-'));
    bases.push(base);
    mkdirSync(bytesPath(base, [0x72, 0xe9])); // "r\xE9"
    symlinkSync(Buffer.from([0x72, 0xe9]), join(base, 'root'));
    mkdirSync(join(base, 'r\uFFFD'));
    expect(() => createFsTools({ root: join(base, 'root') })).toThrow(ConfigError);
  });

  it('legitimate Unicode names (NFC and NFD apart, emoji, CJK) are listed, read, written and found exactly', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-unicode-'));
    bases.push(root);
    const names = ['caf\u00e9.txt', 'cafe\u0301.txt', '\u{1F600}.txt', '\u65E5\u672C\u8A9E/\u6587\u66F8.txt'];
    const tools = createFsTools({ root });
    for (const name of names) expect((await call(tools, 'write_file', { path: name, content: `needle ${name}` })).output).toMatchObject({ path: name });
    for (const name of names) expect((await call(tools, 'read_file', { path: name })).output).toMatchObject({ path: name, content: `needle ${name}` });
    const listed = await call(tools, 'list_dir', { path: '.' });
    expect((listed.output!.entries as { name: string }[]).map((e) => e.name).sort()).toEqual(['caf\u00e9.txt', 'cafe\u0301.txt', '\u{1F600}.txt', '\u65E5\u672C\u8A9E'].sort());
    expect(listed.output).not.toHaveProperty('unreadableNames');
    const found = await call(tools, 'search_files', { query: 'needle' });
    expect((found.output!.results as { path: string }[]).map((r) => r.path).sort()).toEqual([...names].sort());
    expect(found.output).not.toHaveProperty('skippedUnreadableNames');
  });
});
