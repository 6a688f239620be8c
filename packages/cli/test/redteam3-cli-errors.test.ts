// Red team 3: error text the CLI prints on stderr (`agentrt: error[code] …`) came out as thrown —
// a config or a plugin whose error quotes a key (an SDK's "invalid API key sk-…", a URL with
// `?key=`) printed it raw, into a terminal, a CI log or a support ticket. And `kill` echoed its
// reason and run id unredacted.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_CANARIES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { agentrt, freshDb, run } from './__fixtures__/cli-harness.js';

const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const leaked = (text: string) => SECRET_CANARIES.filter((canary) => text.includes(canary));

describe('red team 3: secrets in what the CLI prints about errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt3-cli-'));
  const withConfig = (name: string, text: string, ...args: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return agentrt('', args.length ? args : ['runs'], { config: path, cwd: dir, env: NO_KEYS }).done;
  };
  const secrets = JSON.stringify(SECRET_CANARIES.join(' '));

  it('a config that throws with keys in its message: config_invalid, exit 1, no key printed', async () => {
    const result = await withConfig('throws.mjs', `throw new Error('401 invalid key: ' + ${secrets});`);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^agentrt: error\[config_invalid\] .*cannot be loaded: 401 invalid key: \[REDACTED\]/m);
    expect(leaked(result.err + result.out)).toEqual([]);
  }, 120_000);

  it('a plugin whose register throws with keys in its message: no key printed', async () => {
    const config = `export default { store: { type: 'sqlite', path: 'p.db' }, plugins: [{ name: 'leaky', register() { throw new Error('cannot reach https://api.example/?key=' + ${secrets}); } }] };`;
    const result = await withConfig('plugin.mjs', config, 'run', 'hello');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^agentrt: error\[/m);
    expect(result.err).toContain('[REDACTED]');
    expect(leaked(result.err + result.out)).toEqual([]);
  }, 120_000);

  it('a JSON config that does not parse: where, not what (V8 quotes the start of the text, here a key too short to redact)', async () => {
    for (const text of ['sk-agentrt-CANARY-json-0123456789', '{"model": sk-agentrt-CANARY-json-0123456789}', '{\n  "k": "sk-agentrt-CANARY-json-0123456789",\n  oops\n}', '{"k": "sk-agentrt-CANARY-json']) {
      const result = await withConfig('bad.json', text);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^agentrt: error\[config_invalid\] .*bad\.json is not valid JSON: /m);
      expect(result.err).not.toContain('sk-agentrt');
      expect(result.err).not.toContain('sk-');
    }
  }, 240_000);

  it('kill echoes its reason redacted, as it is stored', async () => {
    const db = freshDb();
    // A paused run: a kill of a finished one is refused (run_not_active), so it echoes nothing.
    expect((await run(db, 'run', 'pay', 'please', '--run-id', 'rt3-kill')).code).toBe(2);
    const killed = await run(db, 'kill', 'rt3-kill', 'rotated', ...SECRET_CANARIES);
    expect(killed.code).toBe(0);
    expect(killed.out).toContain('kill requested for rt3-kill: rotated [REDACTED]');
    const all = await run(db, 'kill', '--all', 'incident', SECRET_CANARIES[0]!);
    expect(all.out).toContain('(incident [REDACTED])');
    await run(db, 'kill', '--clear');
    expect(leaked(killed.out + killed.err + all.out + all.err)).toEqual([]);
  }, 240_000);
});
