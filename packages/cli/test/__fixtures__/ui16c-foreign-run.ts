// A run written straight into a store, for red team 16c's console and trace tests.
import { createHash } from 'node:crypto';
import type { AgentRuntime, Message, StoredRunEvent } from '@agentrt/core';
import { storeRecords } from '@agentrt/testing';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const at = () => new Date().toISOString();

/**
 * A run written straight into a store, as another process (or an older version) could: its one
 * step's tool result holds `parts` exactly, and its `tool_finished` event their digests.
 */
export async function foreignRun(runtime: AgentRuntime, runId: string, parts: readonly Record<string, unknown>[]): Promise<void> {
  const store = runtime.store;
  await store.createRun(storeRecords.run(runId));
  const digest = parts.map((part) => {
    if (part.type === 'text' || typeof part.data !== 'string') return part;
    const { data, ...rest } = part;
    const bytes = Buffer.from(data, 'base64');
    return { ...rest, sha256: sha(bytes), bytes: bytes.byteLength };
  });
  const messages = [
    { role: 'assistant', content: '', toolCalls: [{ id: 'c0', name: 'shot', args: {} }] },
    { role: 'tool', toolCallId: 'c0', name: 'shot', content: parts },
  ] as unknown as Message[];
  const events = [
    { type: 'step_started', runId, at: at(), seq: 1, stepIndex: 0 },
    { type: 'tool_finished', runId, at: at(), seq: 2, stepIndex: 0, toolCallId: 'c0', name: 'shot', isError: false, durationMs: 1, content: digest },
    { type: 'step_finished', runId, at: at(), seq: 3, stepIndex: 0, usage: storeRecords.usage, toolCalls: 1, durationMs: 1 },
  ] as unknown as StoredRunEvent[];
  await store.commitStep({ runId, step: { ...storeRecords.step(runId, 0, 'c0'), messages }, events, usageDelta: storeRecords.usage });
}

