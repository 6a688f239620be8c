// Mutants 15h: tool packs with one realistic fault each, for describeToolPack. The sound pack is one
// `lookup` tool: it waits 1.5 s for its "backend" (abortable), then answers from a table. Over the
// suite's 1 s, so a call that ignores its signal is seen to take as long aborted as not.
import { AgentrtError, defineTool, type Tool } from '@agentrt/core';
import { z } from 'zod';

const TABLE: Record<string, string> = { alpha: 'first', beta: 'second' };
const input = z.object({ key: z.string().min(1).max(32), tags: z.array(z.string().max(16)).max(8) });
type Args = z.infer<typeof input>;

/** Waits `ms`, or rejects when `signal` aborts (unless `ignoreSignal`). */
const backend = (ms: number, signal: AbortSignal, ignoreSignal = false) => new Promise<void>((resolve, reject) => {
  if (!ignoreSignal && signal.aborted) return reject(new AgentrtError('tool_cancelled', 'aborted'));
  const timer = setTimeout(resolve, ms);
  if (!ignoreSignal) signal.addEventListener('abort', () => (clearTimeout(timer), reject(new AgentrtError('tool_cancelled', 'aborted'))), { once: true });
});

interface Faults {
  ignoreSignal?: boolean;
  answer?(args: Args): unknown;
  failure?(key: string): unknown;
}

function lookupTool(faults: Faults = {}): Tool {
  return defineTool({
    name: 'lookup',
    description: 'Looks a key up in the table of the backend.',
    input,
    timeoutMs: 10_000,
    execute: async (args, ctx) => {
      await backend(1_500, ctx.signal, faults.ignoreSignal);
      if (TABLE[args.key] === undefined) throw faults.failure ? faults.failure(args.key) : new AgentrtError('key_unknown', `no entry for ${args.key}`);
      return faults.answer ? faults.answer(args) : { key: args.key, value: TABLE[args.key], tags: [...args.tags].sort() };
    },
  }) as Tool;
}

export const LOOKUP_SAMPLES = { lookup: { valid: { key: 'alpha', tags: ['b', 'a'] }, invalid: [{}, { key: 1, tags: [] }], failing: { key: 'gamma', tags: [] } } };
export const correctLookupTools = (): Tool[] => [lookupTool()];

export const TOOL_MUTANTS_15H: Record<string, () => Tool[]> = {
  'ignores its AbortSignal': () => [lookupTool({ ignoreSignal: true })],
  'mutates its input': () => [lookupTool({ answer: (args) => ({ key: args.key, value: TABLE[args.key], tags: args.tags.sort() }) })],
  'returns a BigInt': () => [lookupTool({ answer: (args) => ({ key: args.key, value: BigInt(1) }) })],
  'returns a cycle': () => [lookupTool({ answer: (args) => { const out: Record<string, unknown> = { key: args.key }; out.self = out; return out; } })],
  'returns a Map (not JSON: shown as {})': () => [lookupTool({ answer: (args) => new Map([[args.key, TABLE[args.key]]]) })],
  'returns NaN (not JSON: shown as null)': () => [lookupTool({ answer: (args) => ({ key: args.key, score: Number.NaN }) })],
  'throws a string': () => [lookupTool({ failure: (key) => `no entry for ${key}` })],
  'throws a plain object': () => [lookupTool({ failure: (key) => ({ code: 'key_unknown', message: `no entry for ${key}` }) })],
  'echoes OPENAI_API_KEY in its output': () => [lookupTool({ answer: (args) => ({ key: args.key, value: TABLE[args.key], debug: `key=${process.env.OPENAI_API_KEY}` }) })],
  'echoes GITHUB_TOKEN in its error': () => [lookupTool({ failure: (key) => new AgentrtError('key_unknown', `no entry for ${key} (token ${process.env.GITHUB_TOKEN})`) })],
};
