import { startAnthropicServer, startOllamaServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agent.js';

const script: LoopbackStep[] = [
  { reply: { toolCalls: [{ id: 'call_w1', name: 'get_weather', args: { city: 'Lisbon' } }] } },
  { reply: { text: 'Yes: 18°C with light rain in Lisbon.' } },
];

const providers: [string, () => Promise<LoopbackServer>, (url: string) => void][] = [
  ['openai:gpt-4o-mini', () => startOpenAIServer(script), (url) => Object.assign(process.env, { OPENAI_API_KEY: 'sk-loopback', OPENAI_BASE_URL: `${url}/v1` })],
  ['anthropic:claude-sonnet-4-6', () => startAnthropicServer(script), (url) => Object.assign(process.env, { ANTHROPIC_API_KEY: 'sk-ant-loopback', ANTHROPIC_BASE_URL: url })],
  ['ollama:llama3.1', () => startOllamaServer(script), (url) => Object.assign(process.env, { OLLAMA_HOST: url })],
  ['ai-sdk:openai/gpt-4o-mini', () => startOpenAIServer(script), (url) => Object.assign(process.env, { OPENAI_API_KEY: 'sk-loopback', OPENAI_BASE_URL: `${url}/v1` })],
  ['ai-sdk:anthropic/claude-sonnet-4-6', () => startAnthropicServer(script), (url) => Object.assign(process.env, { ANTHROPIC_API_KEY: 'sk-ant-loopback', ANTHROPIC_BASE_URL: `${url}/v1` })],
];

describe('swapping providers is one line', () => {
  let server: LoopbackServer | undefined;
  afterEach(() => server?.close());

  it.each(providers)('runs the same agent on %s', async (model, start, configure) => {
    server = await start();
    configure(server.url);
    const result = await createAgent(model).run('Should I take an umbrella in Lisbon today?');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'Yes: 18°C with light rain in Lisbon.', steps: 2, toolCalls: 1 });
    expect(server.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    expect(JSON.stringify(server.requests[1]!.body)).toContain('light rain');
  });

  it('rejects an unknown provider at construction, naming the field', () => {
    expect(() => createAgent('mistral:large')).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'model' }));
    expect(() => createAgent('gpt-4o')).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'model' }));
    expect(() => createAgent('ai-sdk:mistral/large')).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'model' }));
  });

  it('the program run without credentials says what is missing and exits 2, without a stack trace', () => {
    const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
    const env = { ...process.env };
    delete env.OPENAI_API_KEY;
    delete env.AGENTRT_MODEL;
    const child = spawnSync(process.execPath, [main, 'openai:gpt-4o-mini'], { encoding: 'utf8', timeout: 60_000, env });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain('config_invalid');
    expect(child.stderr).toContain('OPENAI_API_KEY');
    expect(child.stderr).not.toMatch(/\n\s+at /);
  });
});
