// Red team 15d: `agentrt` with third-party plugins, as a user runs it (the built bin, child processes).
// - A plugin (or a tool) that prints to stdout — `console.log` at import, in `register`, in
//   `execute` — wrote into the command's output: `agentrt run --json | jq` got a line that is not
//   JSON. Anything but the command's own output now goes to stderr.
// - A plugin whose top-level await never settles made the bin exit 13 (Node's "unsettled top-level
//   await") without a word; it is now exit 1 with a message naming the likely cause.
// - A misspelt field of a plugin entry (`{ module, option: { precision: 3 } }`, `namespce`) was
//   ignored without a word: the plugin ran with its default options, or without its namespace.
//   It is now config_invalid naming the field, with the near miss, like top-level and store fields.
// Positive paths: init into a folder whose path holds a space, quotes and a newline, then a run
// with no API key; a tool pack written as docs/plugins.md shows, loaded by path, is called.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentrt } from './__fixtures__/cli-harness.js';

const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const coreDir = fileURLToPath(new URL('../../core', import.meta.url));
const zodDir = realpathSync(join(coreDir, 'node_modules', 'zod'));

/** A user's project: `node_modules/@agentrt/core` and `zod` (the built packages), a `plugins` folder. */
function project(name = 'agentrt-rt15d-'): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  mkdirSync(join(dir, 'node_modules', '@agentrt'), { recursive: true });
  symlinkSync(coreDir, join(dir, 'node_modules', '@agentrt', 'core'));
  symlinkSync(zodDir, join(dir, 'node_modules', 'zod'));
  mkdirSync(join(dir, 'plugins'));
  return dir;
}

/** docs/plugins.md §2, as plain JS (a built package's dist), cut to lengths. */
const UNITS_PLUGIN = `
import { AgentrtError, definePlugin, defineTool, TOKENS } from '@agentrt/core';
import { z } from 'zod';
const FACTORS = { length: { m: 1, km: 1000, mi: 1609.344 } };
const unit = z.string().min(1).max(8).toLowerCase();
function convert(value, from, to) {
  for (const table of Object.values(FACTORS)) if (table[from] !== undefined && table[to] !== undefined) return (value * table[from]) / table[to];
  throw new AgentrtError('unit_unsupported', \`cannot convert \${from} to \${to}\`);
}
export function createUnitTools(options = {}) {
  const precision = options.precision ?? 6;
  return [defineTool({
    name: 'convert_units', description: 'Converts a value between units of length.', input: z.object({ value: z.number().finite(), from: unit.default('mi'), to: unit.default('km') }),
    timeoutMs: 1000, execute: ({ value, from, to }) => { CHATTER_EXECUTE; return { value: Number(convert(value, from, to).toPrecision(precision)), unit: to }; },
  })];
}
CHATTER_IMPORT;
export default definePlugin({
  name: 'agentrt-plugin-units', version: '1.0.0',
  options: z.strictObject({ precision: z.number().int().min(1).max(15).optional() }).optional(),
  register(container, options) { CHATTER_REGISTER; for (const tool of createUnitTools(options ?? {})) container.register(TOKENS.Tool, { useValue: tool }); },
});
`;

const unitsPlugin = (chatter: boolean) =>
  UNITS_PLUGIN.replace('CHATTER_IMPORT', chatter ? "console.log('units: loaded'); process.stdout.write('units: raw write\\n')" : 'void 0')
    .replace('CHATTER_REGISTER', chatter ? "console.log('units: register')" : 'void 0')
    .replace('CHATTER_EXECUTE', chatter ? "console.info('units: execute')" : 'void 0');

const config = (plugin: string) => `export default { plugins: [{ module: './plugins/${plugin}', options: { precision: 3 } }], store: { type: 'sqlite', path: '.agentrt/runs.db' } };\n`;

describe('red team 15d: agentrt with third-party plugins', { timeout: 120_000 }, () => {
  it('positive path: init in a folder named with a space, quotes and a newline; the run needs no API key', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'agentrt-rt15d-')), `my "agent" it's\nhere`);
    mkdirSync(dir);
    const bin = (...args: string[]) => agentrt('', args, { cwd: dir, config: false, env: NO_KEYS }).done;
    const init = await bin('init');
    expect(init.code).toBe(0);
    const ran = await bin('run', 'hello', '--run-id', 'rt15d-init');
    expect({ code: ran.code, said: ran.out.includes('You said: "hello"') }).toEqual({ code: 0, said: true });
    expect((await bin('runs')).out).toMatch(/^rt15d-init\s+completed/m);
  });

  it('a tool pack written as docs/plugins.md shows, loaded by path with options, is called by the demo model', async () => {
    const dir = project();
    writeFileSync(join(dir, 'plugins', 'units.mjs'), unitsPlugin(false));
    writeFileSync(join(dir, 'agentrt.config.mjs'), config('units.mjs'));
    const ran = await agentrt('', ['run', 'convert_units 5', '--json'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(ran.code, ran.err).toBe(0);
    const events = ran.out.trim().split('\n').map((line) => JSON.parse(line) as { type: string; name?: string; content?: unknown; result?: { output?: unknown } });
    expect(events[0]).toMatchObject({ type: 'run_started', tools: ['convert_units'] });
    const finished = events.find((event) => event.type === 'tool_finished');
    expect(finished).toMatchObject({ name: 'convert_units', isError: false });
    expect(JSON.stringify(finished)).toContain('8.05'); // 5 mi in km, 3 significant digits
  });

  it('a plugin that prints to stdout (at import, in register, in its tool) never gets into the command\'s output: --json stays JSON lines', async () => {
    const dir = project();
    writeFileSync(join(dir, 'plugins', 'units.mjs'), unitsPlugin(true));
    writeFileSync(join(dir, 'agentrt.config.mjs'), config('units.mjs'));
    const bin = (...args: string[]) => agentrt('', args, { cwd: dir, config: false, env: NO_KEYS }).done;
    const ran = await bin('run', 'convert_units 5', '--json', '--run-id', 'rt15d-chatter');
    expect(ran.code, ran.err).toBe(0);
    const notJson = ran.out.trim().split('\n').filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(JSON.parse(ran.out.trim().split('\n').at(-1)!)).toMatchObject({ type: 'run_finished' });
    // What the plugin printed is not lost: it is on stderr.
    for (const line of ['units: loaded', 'units: raw write', 'units: register', 'units: execute']) expect(ran.err).toContain(line);
    const runs = await bin('runs', '--json');
    expect(runs.code).toBe(0);
    expect((JSON.parse(runs.out) as { runId: string }[]).map((run) => run.runId)).toEqual(['rt15d-chatter']);
    const trace = await bin('trace', 'rt15d-chatter', '--json');
    expect(trace.out.trim().split('\n').every((line) => line.startsWith('{'))).toBe(true);
  });

  it('a plugin whose top-level await never settles: exit 1 with a message, not a silent exit 13', async () => {
    const dir = project();
    writeFileSync(join(dir, 'plugins', 'hangs.mjs'), 'await new Promise(() => {});\nexport default {};\n');
    writeFileSync(join(dir, 'agentrt.config.mjs'), "export default { plugins: ['./plugins/hangs.mjs'] };\n");
    const ran = await agentrt('', ['run', 'hi'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(ran.code).toBe(1);
    expect(ran.err).toMatch(/^agentrt: error\[\w+\] .*never settle/m);
  });

  it('plugins that throw at import or export the wrong shape are config_invalid (exit 1) naming the module; a tool named __proto__ is just a name', async () => {
    const dir = project();
    const cases: Record<string, string> = {
      'throws.mjs': "throw new Error('no such thing');",
      'number.mjs': 'export default 42;',
      'noregister.mjs': "export default { name: 'x' };",
    };
    for (const [file, text] of Object.entries(cases)) {
      writeFileSync(join(dir, 'plugins', file), text);
      writeFileSync(join(dir, 'agentrt.config.mjs'), `export default { plugins: ['./plugins/${file}'] };\n`);
      const ran = await agentrt('', ['run', 'hi'], { cwd: dir, config: false, env: NO_KEYS }).done;
      expect({ file, code: ran.code, err: /agentrt: error\[config_invalid\] Invalid option "plugins": plugin module ".*"/.test(ran.err) }).toEqual({ file, code: 1, err: true });
      expect(ran.err).toContain(file);
    }
    writeFileSync(join(dir, 'plugins', 'proto.mjs'), "import { definePlugin, defineTool, TOKENS } from '@agentrt/core'; import { z } from 'zod';\nexport default definePlugin({ name: 'proto', register(c) { c.register(TOKENS.Tool, { useValue: defineTool({ name: '__proto__', description: 'd', input: z.object({}), execute: () => 'from proto' }) }); } });\n");
    writeFileSync(join(dir, 'agentrt.config.mjs'), "export default { plugins: ['./plugins/proto.mjs'] };\n");
    const ran = await agentrt('', ['run', '__proto__', '--json'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toContain('from proto');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a misspelt field of a plugin entry is config_invalid naming it, with the near miss (never silently the default options)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'plugins', 'units.mjs'), unitsPlugin(false));
    for (const [entry, field, near] of [
      ["{ module: './plugins/units.mjs', option: { precision: 3 } }", 'plugins.0.option', 'options'],
      ["{ module: './plugins/units.mjs', options: { precision: 3 }, namespce: 'u' }", 'plugins.0.namespce', 'namespace'],
    ] as const) {
      writeFileSync(join(dir, 'agentrt.config.mjs'), `export default { plugins: [${entry}] };\n`);
      const ran = await agentrt('', ['run', 'convert_units 5'], { cwd: dir, config: false, env: NO_KEYS }).done;
      expect({ code: ran.code, out: ran.out }).toEqual({ code: 1, out: '' });
      expect(ran.err).toContain(`agentrt: error[config_invalid] Invalid option "${field}": unknown field of a plugin entry (did you mean "${near}"?)`);
    }
  });
});
