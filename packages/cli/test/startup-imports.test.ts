// Every CLI command starts a process: it loads only what its config uses. A SQLite config with a
// model adapter must not load the Redis and PostgreSQL drivers, the model SDKs or the console
// server (all three stores and SDKs were once imported eagerly: ~0.9 s of CPU on every command).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONFIG, freshDb } from './__fixtures__/cli-harness.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

/** Runs `agentrt --config <fixture> ...args` in-process in a child and lists the modules it loaded (CJS cache and ESM resolutions). */
async function loadedBy(args: readonly string[]): Promise<{ code: number; modules: string[] }> {
  const script = `
    import { createRequire, register } from 'node:module';
    const seen = [];
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url) => seen.push(url));
    port1.unref();
    register('data:text/javascript,' + encodeURIComponent('let port; export function initialize(d) { port = d.port; } export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }'), { data: { port: port2 }, transferList: [port2] });
    const { main } = await import(${JSON.stringify(CLI)});
    const code = await main(${JSON.stringify(args)}, { out() {}, err() {} });
    await new Promise((r) => setTimeout(r, 50));
    const modules = [...seen, ...Object.keys(createRequire(import.meta.url).cache)];
    process.stdout.write(JSON.stringify({ code, modules }));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, AGENTRT_TEST_DB: freshDb() }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out) as { code: number; modules: string[] };
}

describe('CLI startup loads only what the config uses', () => {
  it('`runs` on a SQLite config with a model adapter: better-sqlite3 yes; ioredis, pg, the model SDKs and the console server no', async () => {
    const { code, modules } = await loadedBy(['--config', CONFIG, 'runs']);
    expect(code).toBe(0);
    expect(modules.some((m) => m.includes('better-sqlite3'))).toBe(true);
    const unwanted = ['/ioredis/', '/pg/', '/node_modules/openai/', '/@anthropic-ai/sdk/', '/node_modules/ollama/', '/hono/', '/console/server.js', '/store-redis/', '/store-postgres/', '/model-openai/', '/model-anthropic/', '/model-ollama/'];
    expect(unwanted.filter((part) => modules.some((m) => m.includes(part)))).toEqual([]);
  }, 60_000);
});
