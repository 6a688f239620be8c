import { AgentrtError, createRuntime, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { SECRET_CANARIES } from '../corpora/secrets.js';
import { ScriptedModel } from '../scripted-model.js';

/** Sample calls for one tool of the pack. */
export interface ToolSamples {
  /** Arguments the tool accepts and completes with. */
  readonly valid: Readonly<Record<string, unknown>>;
  /** Arguments its schema must reject before `execute` runs. */
  readonly invalid: readonly unknown[];
  /** Arguments that make it fail in a known way: it must throw an `AgentrtError` with a code. */
  readonly failing?: Readonly<Record<string, unknown>>;
}

/** Options of `describeToolPack`. */
export interface ToolPackSuiteOptions {
  readonly name: string;
  /** Fresh tools for each test (e.g. a pack configured on a temp directory). */
  tools(): Tool[] | Promise<Tool[]>;
  /** Samples per tool name; every tool of the pack needs one. */
  readonly samples: Readonly<Record<string, ToolSamples>>;
}

const ctx = (signal: AbortSignal = new AbortController().signal): ToolContext => ({ runId: 'conformance', stepIndex: 0, toolCallId: 'call_1', idempotencyKey: 'conformance:call_1', signal });

/**
 * The tool conformance suite for tool packs (first- and third-party): the schema the model
 * sees is a JSON-schema object; invalid arguments are rejected before `execute`; a known
 * failure is a typed `AgentrtError`; an aborted signal is honoured promptly; the declared
 * timeout is finite; and no secret from the environment leaks into output.
 */
export function describeToolPack(options: ToolPackSuiteOptions): void {
  describe(`tool pack conformance: ${options.name}`, () => {
    it('has samples for every tool, unique valid names, finite timeouts and declared side effects', async () => {
      const tools = await options.tools();
      expect(tools.length).toBeGreaterThan(0);
      expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
      for (const tool of tools) {
        expect(options.samples[tool.name], `samples for ${tool.name}`).toBeDefined();
        expect(tool.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(Number.isFinite(tool.timeoutMs) && tool.timeoutMs > 0 && tool.timeoutMs <= 300_000).toBe(true);
        expect(['none', 'idempotent', 'non-idempotent']).toContain(tool.sideEffects);
      }
    });

    it('describes each tool to the model with a JSON-schema object', async () => {
      for (const tool of await options.tools()) {
        const schema = tool.spec.inputSchema as { type?: unknown; properties?: unknown; $schema?: unknown };
        expect(schema.type, tool.name).toBe('object');
        expect(typeof schema.properties === 'object' || schema.properties === undefined).toBe(true);
        expect(schema.$schema).toBeUndefined();
        expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
        expect(tool.spec.description.length).toBeGreaterThan(10);
      }
    });

    it('accepts its valid sample and rejects invalid arguments before execute (through a run)', async () => {
      for (const tool of await options.tools()) {
        const samples = options.samples[tool.name]!;
        expect(tool.input.safeParse(samples.valid).success, `${tool.name} valid sample`).toBe(true);
        for (const args of samples.invalid) expect(tool.input.safeParse(args).success, `${tool.name} should reject ${JSON.stringify(args)}`).toBe(false);
        const model = new ScriptedModel([...samples.invalid.map((args) => ScriptedModel.call(tool.name, args)), ScriptedModel.answer('done')]);
        await createRuntime({ model, tools: [tool], loopDetection: false, limits: { maxSteps: samples.invalid.length + 1, maxToolCalls: 100 } }).run('conformance');
        for (const request of model.requests.slice(1)) expect((request.messages.at(-1) as ToolMessage).code).toBe('tool_args_invalid');
      }
    });

    it('completes its valid sample and leaks no environment secret into the output', async () => {
      const saved = { ...process.env };
      SECRET_CANARIES.forEach((secret, i) => (process.env[`AGENTRT_CANARY_${i}`] = secret));
      try {
        for (const tool of await options.tools()) {
          const args = tool.input.parse(options.samples[tool.name]!.valid);
          const output = JSON.stringify(await tool.execute(args, ctx()) ?? null);
          for (const secret of SECRET_CANARIES) expect(output).not.toContain(secret);
        }
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      }
    });

    it('fails known bad inputs with a typed AgentrtError', async () => {
      for (const tool of await options.tools()) {
        const failing = options.samples[tool.name]!.failing;
        if (!failing) continue;
        const error = await tool.execute(tool.input.parse(failing), ctx()).then(() => undefined, (e: unknown) => e);
        expect(AgentrtError.isInstance(error), `${tool.name} should throw a typed error for ${JSON.stringify(failing)}`).toBe(true);
        expect((error as AgentrtError).code).toMatch(/^[a-z]+(_[a-z]+)+$/);
      }
    });

    it('honours an aborted signal promptly', async () => {
      for (const tool of await options.tools()) {
        const controller = new AbortController();
        controller.abort(new Error('aborted by the conformance suite'));
        const started = Date.now();
        await tool.execute(tool.input.parse(options.samples[tool.name]!.valid), ctx(controller.signal)).catch(() => undefined);
        // Promptly: far below any tool timeout; loose enough that a busy machine cannot fail it.
        expect(Date.now() - started, tool.name).toBeLessThan(5_000);
      }
    });
  });
}
