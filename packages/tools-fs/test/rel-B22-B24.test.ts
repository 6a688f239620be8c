// RELIABILITY.md B-22…B-24 through real runs: a ScriptedModel asks the real fs pack for the row's
// payloads; each call's typed code is what the model sees, nothing outside the root is read (no
// canary in any request, event or result) or written (the outside tree is unchanged), and
// invariants I1–I8 hold. Codes: docs/errors.md — path_outside_root for escapes; a NUL byte is
// path_invalid and a 4 KB path fails the schema (tool_args_invalid), both documented there.
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, MemoryStore, type ToolMessage } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const CANARY = 'REL-B22-CANARY-7f3a';

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-relb22-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'inside.txt'), 'inside');
  writeFileSync(join(base, 'x'), CANARY);
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'x'), CANARY);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), CANARY);
  // B-23: a symlink to /etc/passwd and to an outside file, a symlinked directory, a hard link.
  symlinkSync('/etc/passwd', join(root, 'passwd-link'));
  symlinkSync(join(base, 'outside', 'secret.txt'), join(root, 'secret-link'));
  symlinkSync(join(base, 'outside'), join(root, 'dir-link'));
  linkSync(join(base, 'outside', 'secret.txt'), join(root, 'hard-link'));
  return { base, root };
}
const tree = (dir: string) => readdirSync(dir, { recursive: true }).map(String).filter((p) => !p.startsWith('root')).sort().map((p) => {
  try { return `${p}=${readFileSync(join(dir, p), 'utf8')}`; } catch { return p; }
});

async function runCalls(root: string, calls: { name: string; args: Record<string, unknown> }[]) {
  const store = new MemoryStore();
  const model = new ScriptedModel([ScriptedModel.parallel(calls.map((c, i) => ({ id: `c${i}`, ...c }))), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools: createFsTools({ root }), store, limits: { maxToolCalls: 200 } }).run('go');
  expect(result.stopReason).toBe('final_answer');
  expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  const answers = model.requests[1]!.messages.filter((m): m is ToolMessage => m.role === 'tool');
  const everything = JSON.stringify(model.requests) + JSON.stringify(await store.listEvents(result.runId)) + JSON.stringify(result);
  expect(everything).not.toContain(CANARY);
  expect(everything).not.toMatch(/root:x:0:0/);
  return answers.map((m) => m.code);
}

describe('B-22 lexical traversal: path_outside_root, nothing read or written outside the root', () => {
  const escapes = ['../x', 'a/../../x', '/etc/passwd', 'C:\\x', '..\\x', '%2e%2e%2fx', '..%c0%afx', '../root-evil/x'];
  it.each(['read_file', 'write_file'])('%s', async (name) => {
    const { base, root } = layout();
    const before = tree(base);
    const args = (path: string) => (name === 'write_file' ? { path, content: 'PWNED' } : { path });
    const codes = await runCalls(root, [...escapes, 'a\u0000b', 'a/'.repeat(2_048) + 'x'].map((path) => ({ name, args: args(path) })));
    expect(codes.slice(0, escapes.length)).toEqual(escapes.map(() => 'path_outside_root'));
    expect(codes.slice(escapes.length)).toEqual(['path_invalid', 'tool_args_invalid']);
    expect(tree(base)).toEqual(before);
  });
});

describe('B-23/B-24 symlink and hard-link escapes; new files under a symlinked parent', () => {
  it('reads through a symlink to /etc/passwd or outside, a symlinked directory and a hard link are refused', async () => {
    const { base, root } = layout();
    const before = tree(base);
    const codes = await runCalls(root, ['passwd-link', 'secret-link', 'dir-link/secret.txt', 'hard-link'].map((path) => ({ name: 'read_file', args: { path } })));
    expect(codes).toEqual(['path_outside_root', 'path_outside_root', 'path_outside_root', 'path_outside_root']);
    expect(tree(base)).toEqual(before);
  });

  it('writes to existing files through those links, and to NEW files under a symlinked parent, are refused; the outside is unchanged', async () => {
    const { base, root } = layout();
    const before = tree(base);
    const paths = ['secret-link', 'dir-link/secret.txt', 'hard-link', 'dir-link/new.txt', 'dir-link/deeper/new.txt'];
    const codes = await runCalls(root, paths.map((path) => ({ name: 'write_file', args: { path, content: 'PWNED' } })));
    expect(codes).toEqual(paths.map(() => 'path_outside_root'));
    expect(tree(base)).toEqual(before);
    expect(readdirSync(join(base, 'outside'))).toEqual(['secret.txt']);
  });
});
