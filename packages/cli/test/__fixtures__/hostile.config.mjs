// Red-team config: a streaming model and tools that put secret canaries and terminal control
// sequences in every field the CLI prints — answers (streamed in 3-character deltas, so a secret
// is split across deltas), reasoning, tool-call args, tool results, pending approval args.
import { defineTool } from '@agentrt/core';
import { z } from 'zod';

/** The secret canaries of @agentrt/testing (SECRET_CANARIES), inlined: a config is plain JS. */
export const CANARIES = ['sk-agentrt-CANARY-0123456789abcdefghij', 'AKIAAGENTRTCANARY001', 'ghp_agentrtCanary0123456789abcdefghijkl', 'tvly-agentrt-canary-0123456789'];
/** Terminal attacks: set the window title, colour, write the clipboard (OSC 52), hyperlink (OSC 8), 8-bit CSI, a bidi override, BEL, backspaces. */
export const ESCAPES = '\x1b]0;PWNED\x07\x1b[31mRED\x1b[0m\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\x9b2J\u202eevil\u202c\x08\x08\x7f\u{e0063}\u{e0063}\u3164\u2028';
const HOSTILE = `${CANARIES.join(' ')} ${ESCAPES}`;
/** A tool call id (the model picks it) that is a shell command line when pasted unquoted. */
export const QUOTE_ID = "p1; touch /tmp/agentrt-redteam-pwned-1 '; touch /tmp/agentrt-redteam-pwned-2; echo '$(touch /tmp/agentrt-redteam-pwned-3)`id` \"x\" \\ $HOME *\ntouch /tmp/agentrt-redteam-pwned-4 \u{e0063}\u{e0063}\u2066\t\u2764\ufe0f";

const tools = [
  defineTool({ name: 'leak', description: 'Returns secrets and escapes', input: z.object({ q: z.string() }), execute: ({ q }) => `result ${q} ${HOSTILE}` }),
  defineTool({ name: 'pay', description: 'Needs approval', input: z.object({ note: z.string() }), requiresApproval: true, execute: () => `paid ${HOSTILE}` }),
  defineTool({ name: 'fail', description: 'Throws', input: z.object({}), execute: () => { throw new Error(`failed ${HOSTILE}`); } }),
];

const usage = { inputTokens: 1, outputTokens: 1 };
const answer = (content, extra = {}) => ({ message: { role: 'assistant', content, ...extra }, usage, finishReason: 'stop' });
const call = (id, name, args, extra = {}) => ({ message: { role: 'assistant', content: `calling ${HOSTILE}`, toolCalls: [{ id, name, args }], ...extra }, usage, finishReason: 'tool_calls' });

const model = {
  provider: 'scripted',
  model: 'hostile',
  async generate(request) {
    const task = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const done = request.messages.some((m) => m.role === 'tool');
    if (task.startsWith('pay')) return done ? answer(`paid ${HOSTILE}`) : call('pay-1', 'pay', { note: HOSTILE });
    if (task.startsWith('quote')) return done ? answer('quoted') : call(QUOTE_ID, 'pay', { note: 'x' });
    if (task.startsWith('fail')) return done ? answer(`after failure ${HOSTILE}`) : call('fail-1', 'fail', {});
    if (task.startsWith('answer')) return answer(`answer ${HOSTILE}`, { reasoning: [{ text: `thinking ${HOSTILE}`, providerData: { signature: CANARIES[2] } }] });
    return done ? answer(`answer ${HOSTILE}`) : call('leak-1', 'leak', { q: HOSTILE }, { reasoning: [{ text: `thinking ${HOSTILE}` }] });
  },
  async *stream(request) {
    const response = await this.generate(request);
    const text = response.message.content;
    for (let i = 0; i < text.length; i += 3) yield { type: 'text_delta', text: text.slice(i, i + 3) };
    for (const part of response.message.reasoning ?? []) for (let i = 0; i < part.text.length; i += 3) yield { type: 'reasoning_delta', text: part.text.slice(i, i + 3) };
    yield { type: 'response', response };
  },
};

export default {
  model,
  tools,
  store: { type: 'sqlite', path: process.env.AGENTRT_TEST_DB },
  limits: { maxSteps: 6 },
};
