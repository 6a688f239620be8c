/**
 * DESIGN.md's public names, reached the way a user's project reaches them: from a folder outside
 * the workspace whose `node_modules/@agentrt/*` are the built packages, so each package.json
 * `exports` map (its `default` and `types` conditions, never `@agentrt/source`) is what resolves.
 * One child `node` imports every package by name and checks the names; `tsc` (NodeNext) checks a
 * TypeScript consumer written against the contract types. Runs the built `dist/` (`pnpm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const packagesDir = join(root, 'packages');

/** Every name DESIGN.md (and STYLE.md's conformance suite) promises, by package. */
const DESIGN_NAMES: Record<string, readonly string[]> = {
  '@agentrt/core': ['createRuntime', 'defineTool', 'definePlugin', 'TOKENS', 'AgentRuntime', 'MemoryStore', 'STOP_REASONS'],
  '@agentrt/testing': ['ScriptedModel', 'describeStateStore'],
  '@agentrt/store-memory': ['MemoryStore'],
  '@agentrt/store-sqlite': ['SqliteStore'],
  '@agentrt/store-redis': ['RedisStore'],
  '@agentrt/store-postgres': ['PostgresStore'],
  '@agentrt/model-openai': ['OpenAIModel'],
  '@agentrt/model-anthropic': ['AnthropicModel'],
  '@agentrt/model-ollama': ['OllamaModel'],
  '@agentrt/model-ai-sdk': ['AiSdkModel'],
  '@agentrt/context': ['SlidingWindow', 'TokenBudget', 'TruncateToolResults', 'Summarize', 'composeStrategies'],
  '@agentrt/otel': ['otelPlugin'],
  '@agentrt/worker-bullmq': ['AgentQueue', 'createAgentWorker'],
  '@agentrt/cli': ['main'],
  // Tool packs are plugins: the default export is one.
  '@agentrt/tools-fs': ['default'],
  '@agentrt/tools-http': ['default'],
  '@agentrt/tools-math': ['default'],
  '@agentrt/tools-mcp': ['default'],
};
const STOP_REASONS = ['final_answer', 'max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget', 'killed', 'cancelled', 'awaiting_approval', 'loop_detected', 'policy_violation', 'error', 'output_invalid'];
const TOKEN_NAMES = ['ModelAdapter', 'StateStore', 'ContextStrategy', 'Tool', 'Hook', 'StopPolicy'];

const CONSUMER_MJS = `
import 'reflect-metadata';
import { z } from 'zod';
import { join } from 'node:path';
const names = ${JSON.stringify(DESIGN_NAMES)};
const problems = [];
const modules = {};
for (const [pkg, wanted] of Object.entries(names)) {
  try {
    modules[pkg] = await import(pkg);
    for (const name of wanted) if (modules[pkg][name] === undefined) problems.push(pkg + ' lacks ' + name);
  } catch (error) {
    problems.push(pkg + ' does not import: ' + (error.code ?? '') + ' ' + error.message.split('\\n')[0]);
  }
}
const core = modules['@agentrt/core'];
for (const reason of ${JSON.stringify(STOP_REASONS)}) if (!core.STOP_REASONS.includes(reason)) problems.push('STOP_REASONS lacks ' + reason);
for (const token of ${JSON.stringify(TOKEN_NAMES)}) if (typeof core.TOKENS[token] !== 'symbol') problems.push('TOKENS lacks ' + token);
// The built code runs from outside: a tool step and an answer, on a SQLite file.
const { ScriptedModel } = modules['@agentrt/testing'];
const { SqliteStore } = modules['@agentrt/store-sqlite'];
const add = core.defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }, ctx) => {
  for (const key of ['runId', 'stepIndex', 'toolCallId', 'idempotencyKey', 'signal']) if (!(key in ctx)) problems.push('ToolContext lacks ' + key);
  return a + b;
} });
const store = new SqliteStore({ path: join(process.argv[2], 'runs.db') });
const runtime = core.createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'add', args: { a: 2, b: 40 } }] }, { text: '42' }]), tools: [add], store });
const result = await runtime.run('What is 2 + 40?');
for (const key of ['runId', 'status', 'stopReason', 'output', 'steps', 'toolCalls', 'usage', 'startedAt', 'endedAt']) if (!(key in result)) problems.push('RunResult lacks ' + key);
if (result.stopReason !== 'final_answer' || result.output !== '42') problems.push('run ended ' + result.stopReason);
if ((await runtime.getRun(result.runId))?.stopReason !== 'final_answer') problems.push('the store does not hold the stop reason');
await store.close();
console.log(JSON.stringify(problems));
`;

const CONSUMER_TS = `
import 'reflect-metadata';
import {
  createRuntime, defineTool, definePlugin, TOKENS, type AgentRuntime, type Message, type ModelAdapter, type ModelRequest,
  type ModelResponse, type ToolSpec, type StateStore, type ContextStrategy, type StopPolicy, type RuntimeHooks,
  type Plugin, type RunResult, type StopReason, type RunEvent, type ContentPart,
} from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { MemoryStore } from '@agentrt/store-memory';
import { SqliteStore } from '@agentrt/store-sqlite';
import { RedisStore } from '@agentrt/store-redis';
import { PostgresStore } from '@agentrt/store-postgres';
import { OpenAIModel } from '@agentrt/model-openai';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { OllamaModel } from '@agentrt/model-ollama';
import { SlidingWindow, TokenBudget, TruncateToolResults, Summarize, composeStrategies } from '@agentrt/context';
import { z } from 'zod';

const messages: Message[] = [
  { role: 'system', content: 's' },
  { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', mediaType: 'image/png', data: 'AA==' }] },
  { role: 'assistant', content: 't', toolCalls: [{ id: 'a', name: 'b', args: {} }], reasoning: [{ text: 'r' }] },
  { role: 'tool', toolCallId: 'a', name: 'b', content: 'c', isError: true },
];
const part: ContentPart = { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf', filename: 'a.pdf' };
const adapter: ModelAdapter = {
  provider: 'p', model: 'm',
  async generate(request: ModelRequest): Promise<ModelResponse> {
    const tools: readonly ToolSpec[] = request.tools; const signal: AbortSignal = request.signal; const cap: number | undefined = request.maxOutputTokens;
    void [tools, signal, cap, request.messages];
    return { message: { role: 'assistant', content: 'x' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  },
};
const tool = defineTool({
  name: 'n', description: 'd', input: z.object({ a: z.string() }), sideEffects: 'non-idempotent', timeoutMs: 10, requiresApproval: true,
  execute: (args, { runId, stepIndex, toolCallId, idempotencyKey, signal }) => args.a + runId + stepIndex + toolCallId + idempotencyKey + String(signal.aborted),
});
const hooks: RuntimeHooks = { onRunStart() {}, onStepStart() {}, beforeModel() {}, afterModel() {}, beforeTool() {}, afterTool() {}, onStepEnd() {}, onRunEnd() {}, onError() {} };
const plugin: Plugin = { name: 'x', register(container) { container.register(TOKENS.Tool, { useValue: tool }); } };
const stop: StopPolicy = { name: 'never', check: () => undefined };
const store: StateStore = new MemoryStore();
const context: ContextStrategy = composeStrategies(new SlidingWindow({ maxMessages: 10 }), new TruncateToolResults({ maxChars: 100 }), new TokenBudget({ maxTokens: 1000 }), new Summarize({ model: adapter, triggerTokens: 500 }));
const runtime: AgentRuntime = createRuntime({
  model: adapter, tools: [tool], store, context, hooks: [hooks], stopPolicies: [stop], plugins: [plugin, definePlugin({ name: 'y', register() {} })],
  limits: { maxSteps: 3, maxToolCalls: 4, timeoutMs: 1000, maxTokens: 2000, maxCostUsd: 1, finalize: { maxOutputTokens: 10, instruction: 'answer' } },
  toolPolicy: { allow: ['n'], deny: ['x'] }, pricing: { 'p:m': { input: 1, output: 1 } },
});
export async function use(): Promise<void> {
  const result: RunResult = await runtime.run({ input: 'x', runId: 'a', idempotencyKey: 'k', signal: new AbortController().signal, metadata: { a: 1 } });
  const reason: StopReason = result.stopReason;
  const status: 'completed' | 'stopped' | 'paused' | 'failed' = result.status;
  const totals: number = result.steps + result.toolCalls + (result.toolCallsRefused ?? 0) + result.usage.inputTokens + result.usage.outputTokens + result.usage.costUsd;
  void [reason, status, totals, result.stopDetail, result.output, result.startedAt, result.endedAt, result.error?.code, result.finalized];
  for await (const event of runtime.stream('x')) { const typed: RunEvent = event; void typed; }
  const structured = await runtime.run({ input: 'x', output: z.object({ n: z.number() }) });
  const n: number | undefined = structured.output?.n;
  void n;
  await runtime.resume('a', { approvals: { call: { decision: 'approve' } } });
  await runtime.kill('a', 'why');
  await runtime.killAll('why');
  await runtime.clearKill();
  void [await runtime.getRun('a'), await runtime.listRuns(), await runtime.events('a')];
}
export const stores: StateStore[] = [new SqliteStore({ path: ':memory:' }), new RedisStore({ url: 'redis://127.0.0.1:6379' }), new PostgresStore({ url: 'postgres://127.0.0.1/x' })];
export const models: ModelAdapter[] = [new OpenAIModel({ model: 'x' }), new AnthropicModel({ model: 'x' }), new OllamaModel({ model: 'x' }), new ScriptedModel([{ text: 'x' }])];
void [messages, part];
`;

let consumer: string;

beforeAll(() => {
  consumer = mkdtempSync(join(realpathSync(tmpdir()), 'agentrt-consumer-'));
  const scope = join(consumer, 'node_modules', '@agentrt');
  mkdirSync(scope, { recursive: true });
  for (const folder of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, folder, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    symlinkSync(join(packagesDir, folder), join(scope, name.slice('@agentrt/'.length)), 'dir');
  }
  // What the user's project itself installs next to agentrt.
  for (const dependency of ['zod', 'reflect-metadata']) symlinkSync(realpathSync(join(packagesDir, 'core', 'node_modules', dependency)), join(consumer, 'node_modules', dependency), 'dir');
  mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
  symlinkSync(realpathSync(join(root, 'node_modules', '@types', 'node')), join(consumer, 'node_modules', '@types', 'node'), 'dir');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(consumer, 'consumer.mjs'), CONSUMER_MJS);
  writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS);
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    files: ['consumer.ts'],
  }));
});

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe("DESIGN.md's public names through each package's exports map, from outside the workspace", () => {
  it('every package imports by name and has the names DESIGN.md lists; a run works on the built code', () => {
    const child = spawnSync(process.execPath, ['consumer.mjs', consumer], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1)!)).toEqual([]);
  });

  it('the contract types resolve through the exports maps (tsc, NodeNext) and type a consumer', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const child = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8', timeout: 120_000 });
    expect(child.stdout + child.stderr).toBe('');
    expect(child.status).toBe(0);
  }, 150_000);

  it('the agentrt command is the cli package bin', () => {
    const bin = join(consumer, 'node_modules', '@agentrt', 'cli', (JSON.parse(readFileSync(join(packagesDir, 'cli', 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.agentrt!);
    const child = spawnSync(process.execPath, [bin, '--version'], { cwd: consumer, encoding: 'utf8', timeout: 30_000 });
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
