import { findPairingViolations, pairToolMessages, type Message } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

// Mutation-testing gap (m16i): a duplicated tool result is a repair (pairToolMessages: "0 means the
// input was already valid"), and the repaired transcript pairs each call with exactly one result.

describe('pairToolMessages with a duplicated result (m16i)', () => {
  it('keeps one result per call and counts the dropped duplicate as a repair', () => {
    const messages: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 't', args: {} }] },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'first' },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'second' },
    ];
    expect(findPairingViolations(messages)).not.toEqual([]);
    const paired = pairToolMessages(messages);
    expect(paired.repaired).toBe(1);
    expect(paired.messages.filter((message) => message.role === 'tool')).toHaveLength(1);
    expect(findPairingViolations(paired.messages)).toEqual([]);
  });
});
