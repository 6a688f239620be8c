// Config files: a relative path means "relative to the config file" everywhere in it — the store
// path, plugin modules, and the options a plugin declares as paths (tools-fs `root`); the demo
// model can be chosen by name (`agentrt:demo`); a bad plugin option names its full path.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentrt } from './__fixtures__/cli-harness.js';

const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const FS_PLUGIN = new URL('../../tools-fs/dist/index.js', import.meta.url).pathname;

/** A config folder with `ws/notes.txt`, and a different working directory that has no `ws`. */
function layout(config: Record<string, unknown>, name = 'agentrt.config.json') {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-cli-paths-'));
  const project = join(base, 'project');
  const elsewhere = join(base, 'elsewhere');
  mkdirSync(join(project, 'ws'), { recursive: true });
  mkdirSync(elsewhere);
  writeFileSync(join(project, 'ws', 'notes.txt'), 'NOTES-FROM-THE-CONFIG-FOLDER');
  const path = join(project, name);
  writeFileSync(path, JSON.stringify({ store: { type: 'sqlite', path: 'runs.db' }, ...config }));
  return { path, project, elsewhere };
}

describe('config paths: relative to the config file', () => {
  it('a plugin option declared as a path (tools-fs root: "./ws") resolves against the config folder, not the working directory', async () => {
    const { path, elsewhere } = layout({ plugins: [{ module: FS_PLUGIN, options: { root: './ws', readOnly: true } }] });
    const result = await agentrt('', ['run', 'read_file', 'notes.txt'], { config: path, cwd: elsewhere, env: NO_KEYS }).done;
    expect(result.err).not.toMatch(/error\[/);
    expect(result.code).toBe(0);
    expect(result.out).toContain('NOTES-FROM-THE-CONFIG-FOLDER');
  }, 120_000);

  it('an ES-module config follows the same rule', async () => {
    const { path, elsewhere } = layout({}, 'unused.json');
    const mjs = join(path, '..', 'agentrt.config.mjs');
    writeFileSync(mjs, `export default { store: { type: 'sqlite', path: 'runs.db' }, plugins: [{ module: ${JSON.stringify(FS_PLUGIN)}, options: { root: 'ws' } }] };`);
    const result = await agentrt('', ['run', 'read_file', 'notes.txt'], { config: mjs, cwd: elsewhere, env: NO_KEYS }).done;
    expect(result.code).toBe(0);
    expect(result.out).toContain('NOTES-FROM-THE-CONFIG-FOLDER');
  }, 120_000);
});

describe('the demo model by name', () => {
  it('AGENTRT_MODEL=agentrt:demo selects the embedded demo model', async () => {
    const { path, elsewhere } = layout({});
    const result = await agentrt('', ['run', 'hello'], { config: path, cwd: elsewhere, env: { ...NO_KEYS, AGENTRT_MODEL: 'agentrt:demo', OPENAI_API_KEY: 'sk-not-used' } }).done;
    expect(result.err).not.toMatch(/error\[/);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/agentrt: model: agentrt:demo/);
    expect(result.out).toMatch(/embedded demo model/);
  }, 120_000);

  it('model: "agentrt:demo" in a config selects it; another agentrt: model is config_invalid naming model', async () => {
    const { path, elsewhere } = layout({ model: 'agentrt:demo' });
    const result = await agentrt('', ['run', 'hello'], { config: path, cwd: elsewhere, env: { ...NO_KEYS, OPENAI_API_KEY: 'sk-not-used' } }).done;
    expect(result.err).not.toMatch(/error\[/);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/embedded demo model/);
    const other = layout({ model: 'agentrt:demo2' });
    const bad = await agentrt('', ['run', 'hello'], { config: other.path, cwd: other.elsewhere, env: NO_KEYS }).done;
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/error\[config_invalid\] Invalid option "model": .*agentrt:demo/);
  }, 120_000);
});

describe('plugin option errors name the full path', () => {
  it('a root that does not exist is plugins.@agentrt/tools-fs.root (resolved path shown), not "root"', async () => {
    const { path, elsewhere } = layout({ plugins: [{ module: FS_PLUGIN, options: { root: './missing' } }] });
    const result = await agentrt('', ['run', 'hello'], { config: path, cwd: elsewhere, env: NO_KEYS }).done;
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/error\[config_invalid\] Invalid option "plugins\.@agentrt\/tools-fs\.root": /);
    expect(result.err).toContain(join(path, '..', 'missing'));
  }, 120_000);

  it('an unknown plugin option key names its path and the near miss', async () => {
    const { path, elsewhere } = layout({ plugins: [{ module: FS_PLUGIN, options: { roots: './ws' } }] });
    const result = await agentrt('', ['run', 'hello'], { config: path, cwd: elsewhere, env: NO_KEYS }).done;
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/error\[config_invalid\] Invalid option "plugins\.@agentrt\/tools-fs\.roots": unknown option \(did you mean "root"\?\)/);
  }, 120_000);
});
