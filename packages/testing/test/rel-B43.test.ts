// RELIABILITY.md B-43: no first-party pack offers a tool that runs code or a shell. Static check of
// the sources of core and every tools-* pack: no process spawning, no JS evaluator, no worker
// threads — except tools-mcp's stdio transport, which starts the server the operator configured
// (its command never comes from a model), and its output-schema check, which validates a server's
// result in a worker thread so a hostile schema cannot stall the process (no code is evaluated). The row's second clause (a third party's code-exec tool
// must declare sideEffects and need approval by default) cannot be enforced by the runtime, which
// cannot tell such a tool from any other; describeToolPack does require declared side effects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packages = join(import.meta.dirname, '..', '..');
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
const RUNS_CODE = /from ['"](?:node:)?(?:child_process|vm|worker_threads)['"]|\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]/;

describe('B-43 code-exec tools are not in the core packs', () => {
  it('core, tools-fs, tools-http and tools-math contain no process spawning or evaluator; tools-mcp only in its stdio transport and schema worker', () => {
    const packs = readdirSync(packages).filter((name) => name === 'core' || name.startsWith('tools-'));
    expect(packs.sort()).toEqual(['core', 'tools-fs', 'tools-http', 'tools-math', 'tools-mcp']);
    const offending = packs.flatMap((pack) => sources(join(packages, pack, 'src')).filter((file) => RUNS_CODE.test(readFileSync(file, 'utf8'))).map((file) => file.slice(packages.length + 1)));
    expect(offending.sort()).toEqual(['tools-mcp/src/output-schema.ts', 'tools-mcp/src/stdio-process.ts']);
  });
});
