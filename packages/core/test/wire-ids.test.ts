/** The history id and name mapping the provider adapters share (`@agentrt/core`). */
import { wireToken, wireToolCallId, wireToolName, WireToolCallIds } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

describe('wire ids and names', () => {
  it('leaves what fits alone and maps the rest deterministically, within each provider limit', () => {
    const vllm = `chatcmpl-tool-${'a'.repeat(32)}`;
    expect(wireToolCallId('call_1', 'openai')).toBe('call_1');
    expect(wireToolCallId(vllm, 'openai')).toHaveLength(40);
    expect(wireToolCallId(vllm, 'openai')).toBe(wireToolCallId(vllm, 'openai'));
    expect(wireToolCallId(vllm, 'anthropic')).toBe(vllm);
    expect(wireToolCallId('functions.lookup:0', 'anthropic')).toMatch(/^functions_lookup_0_[0-9a-f]{8}$/);
    expect(wireToolCallId('functions.lookup:0', undefined)).toBe('functions.lookup:0');
    expect(wireToolName('lookup', 'openai')).toBe('lookup');
    expect(wireToolName('functions.lookup', 'anthropic')).toMatch(/^functions_lookup_[0-9a-f]{8}$/);
    expect(wireToolName('', 'openai')).toMatch(/^_[0-9a-f]{8}$/);
    expect(wireToken('a.b', 64)).not.toBe(wireToken('a:b', 64));
  });

  it('keeps tool_use ids unique within an Anthropic request, results following their latest call', () => {
    const ids = new WireToolCallIds('anthropic');
    const mapped = wireToolCallId('x.y', 'anthropic');
    const first = ids.use('x.y');
    expect(first).toBe(mapped);
    // A model copying the mapped form of the earlier id gets another one.
    const copied = ids.use(mapped);
    expect(copied).not.toBe(first);
    expect(ids.result(mapped)).toBe(copied);
    expect(ids.result('x.y')).toBe(first);
    expect(new WireToolCallIds('openai').use('a')).toBe('a');
  });
});
