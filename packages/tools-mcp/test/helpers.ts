import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ContentPart, Tool, ToolContext, ToolMessage } from '@agentrt/core';
import type { McpBridge } from '@agentrt/tools-mcp';

const require = createRequire(import.meta.url);

/** The entry script of an installed reference server (run with node, never npx). */
export const referenceServer = (name: 'everything' | 'filesystem' | 'memory') => join(dirname(require.resolve(`@modelcontextprotocol/server-${name}/package.json`)), 'dist', 'index.js');

export const fixture = (file: string) => new URL(`./__fixtures__/${file}`, import.meta.url).pathname;
export const packageDir = new URL('..', import.meta.url).pathname;

/** True while a process with this pid exists. */
export const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `check` until it holds or the deadline passes. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A tool context outside a run, with its own abort controller and recorded notices. */
export function context(id = 'c') {
  const controller = new AbortController();
  const progress: unknown[] = [];
  const logs: unknown[] = [];
  const ctx: ToolContext = { runId: 'r', stepIndex: 0, toolCallId: id, idempotencyKey: `r:${id}`, signal: controller.signal, progress: (p) => progress.push(p), log: (l) => logs.push(l) };
  return { ctx, controller, progress, logs };
}

export const toolOf = (bridge: McpBridge, name: string): Tool => {
  const tool = bridge.tools().find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name}; have ${bridge.tools().map((t) => t.name).join(', ')}`);
  return tool;
};

/**
 * The parts of a tool message: its `ContentPart[]`, or (before the loop carries parts) the
 * JSON array of parts the runtime serialized. A plain string is one text part.
 */
export function partsOf(message: ToolMessage | undefined): ContentPart[] {
  const content = message?.content;
  if (Array.isArray(content)) return content as ContentPart[];
  if (typeof content === 'string') {
    try {
      const parsed = JSON.parse(content) as unknown;
      if (Array.isArray(parsed) && parsed.every((part) => typeof part === 'object' && part !== null && 'type' in part)) return parsed as ContentPart[];
    } catch {
      // plain text
    }
    return [{ type: 'text', text: content }];
  }
  return [];
}

export const textOf = (message: ToolMessage | undefined) => partsOf(message).map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
