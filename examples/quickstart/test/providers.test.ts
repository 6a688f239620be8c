import { startAnthropicServer, startOllamaServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseModel, createQuickstartRuntime, runQuickstart } from '../src/agent.js';

const script: LoopbackStep[] = [
  { reply: { toolCalls: [{ id: 'call_q1', name: 'search_docs', args: { query: 'API rate limit requests per minute' } }] } },
  { reply: { text: 'Standard tier: 600 requests per minute; honour Retry-After on 429.' } },
];

describe('quickstart on real provider adapters (loopback servers)', () => {
  let server: LoopbackServer | undefined;
  afterEach(() => server?.close());

  it('uses the scripted model when no key or host is set, a provider otherwise', () => {
    expect(typeof chooseModel({}).model).toBe('object');
    expect(chooseModel({ OPENAI_API_KEY: 'x' }).model).toBe('openai:gpt-4o-mini');
    expect(chooseModel({ ANTHROPIC_API_KEY: 'x' }).model).toBe('anthropic:claude-sonnet-4-6');
    expect(chooseModel({ OLLAMA_HOST: 'http://h' }).model).toBe('ollama:llama3.1');
    expect(chooseModel({ AGENTRT_MODEL: 'ollama:qwen3', OPENAI_API_KEY: 'x' }).model).toBe('ollama:qwen3');
  });

  it.each([
    ['openai:gpt-4o-mini', () => startOpenAIServer(script), (url: string) => ({ OPENAI_API_KEY: 'sk-loopback', OPENAI_BASE_URL: `${url}/v1` })],
    ['anthropic:claude-sonnet-4-6', () => startAnthropicServer(script), (url: string) => ({ ANTHROPIC_API_KEY: 'sk-ant-loopback', ANTHROPIC_BASE_URL: url })],
    ['ollama:llama3.1', () => startOllamaServer(script), (url: string) => ({ OLLAMA_HOST: url })],
  ] as const)('runs the seed scenario end to end through %s', async (model, start, env) => {
    server = await start();
    Object.assign(process.env, env(server.url));
    const result = await runQuickstart(createQuickstartRuntime(model));
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 1 });
    expect(JSON.stringify(server.requests[1]!.body)).toContain('rate-limits.md');
    expect(server.requests.every((r) => !r.rejected)).toBe(true);
  });
});
