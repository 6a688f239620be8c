import type { AssistantMessage, Message, ToolMessage } from '../messages.js';

/** Result of `pairToolMessages`. */
export interface PairingResult {
  readonly messages: Message[];
  /** Orphaned results dropped plus unanswered calls removed. 0 means the input was already valid. */
  readonly repaired: number;
}

/**
 * Makes a transcript valid for every provider (invariant I3): each assistant tool call is
 * followed, before the next assistant message, by exactly one result with its id, placed
 * directly after the assistant message in call order; results without a call are dropped;
 * calls without a result are removed from their message (a message left with no text and
 * no calls is dropped). Deterministic, O(messages).
 */
export function pairToolMessages(messages: readonly Message[]): PairingResult {
  const out: Message[] = [];
  let repaired = 0;
  let i = 0;
  while (i < messages.length) {
    const message = messages[i]!;
    if (message.role === 'tool') {
      repaired++;
      i++;
      continue;
    }
    if (message.role !== 'assistant' || !message.toolCalls || message.toolCalls.length === 0) {
      out.push(message);
      i++;
      continue;
    }
    const ids = new Set(message.toolCalls.map((call) => call.id));
    const results = new Map<string, ToolMessage>();
    const others: Message[] = [];
    let j = i + 1;
    for (; j < messages.length && messages[j]!.role !== 'assistant'; j++) {
      const next = messages[j]!;
      if (next.role === 'tool') {
        if (ids.has(next.toolCallId) && !results.has(next.toolCallId)) results.set(next.toolCallId, next);
        else repaired++;
      } else others.push(next);
    }
    const seen = new Set<string>();
    const kept = message.toolCalls.filter((call) => {
      const ok = results.has(call.id) && !seen.has(call.id);
      seen.add(call.id);
      return ok;
    });
    repaired += message.toolCalls.length - kept.length;
    if (kept.length > 0) {
      out.push(kept.length === message.toolCalls.length ? message : { ...message, toolCalls: kept });
      for (const call of kept) out.push(results.get(call.id)!);
    } else if (message.content) {
      // The calls go, the text stays — with the reasoning that came with it.
      out.push({ role: 'assistant', content: message.content, ...(message.reasoning?.length ? { reasoning: message.reasoning } : {}) } satisfies AssistantMessage);
    } else {
      repaired++;
    }
    out.push(...others);
    i = j;
  }
  return { messages: out, repaired };
}

/** Violations of invariant I3 in a transcript, as readable strings; `[]` when valid. */
export function findPairingViolations(messages: readonly Message[]): string[] {
  if (pairedStep(messages)) return [];
  const problems: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'tool') {
      problems.push(`tool result ${message.toolCallId} at ${i} does not follow its call`);
      continue;
    }
    if (message.role !== 'assistant' || !message.toolCalls?.length) continue;
    const expected = message.toolCalls.map((call) => call.id);
    if (new Set(expected).size !== expected.length) problems.push(`assistant message at ${i} repeats a tool call id`);
    let j = i + 1;
    for (const id of expected) {
      const next = messages[j];
      if (!next || next.role !== 'tool' || next.toolCallId !== id) {
        problems.push(`tool call ${id} (message ${i}) has no result directly after it`);
        break;
      }
      j++;
    }
    while (j < messages.length && messages[j]!.role === 'tool') {
      problems.push(`extra tool result ${(messages[j] as ToolMessage).toolCallId} at ${j}`);
      j++;
    }
    i = j - 1;
  }
  return problems;
}

/**
 * The common well-formed shape, checked without allocating: messages without tool calls or
 * results, and assistant messages whose calls (distinct ids) are answered in order right after
 * them. False means "look closer" (the full check names the problem).
 */
function pairedStep(messages: readonly Message[]): boolean {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'tool') return false;
    if (message.role !== 'assistant') continue;
    const calls = message.toolCalls;
    if (!calls) continue;
    // Anything but an array (outside the type: a transcript given by a user) takes the full check.
    if (!Array.isArray(calls)) return false;
    if (calls.length === 0) continue;
    if (calls.length > 8) return false;
    for (let c = 0; c < calls.length; c++) {
      const id = calls[c]!.id;
      for (let d = 0; d < c; d++) if (calls[d]!.id === id) return false;
      const next = messages[i + 1 + c];
      if (!next || next.role !== 'tool' || next.toolCallId !== id) return false;
    }
    // A tool message after the answers is met by the next turn of the loop (and fails it).
    i += calls.length;
  }
  return true;
}
