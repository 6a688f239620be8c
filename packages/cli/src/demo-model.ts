import { contentText, type Message, type ModelAdapter, type ModelRequest, type ModelResponse, type ToolSpec } from '@agentrt/core';

/** Provider and model id of the embedded demo model (`agentrt:demo`). */
export const DEMO_MODEL_ID = { provider: 'agentrt', model: 'demo' } as const;

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Fills a tool's required arguments from the user's words: strings get the text, numbers the numbers found in it, in order. */
function argsFor(spec: ToolSpec, text: string): Record<string, unknown> {
  const schema = spec.inputSchema as { properties?: Record<string, { type?: unknown; enum?: unknown[]; default?: unknown }>; required?: unknown };
  const properties = schema.properties ?? {};
  const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
  const numbers = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const rest = text.replace(new RegExp(`\\b${spec.name.replace(/[^A-Za-z0-9_]/g, '')}\\b`, 'i'), '').trim() || text;
  const args: Record<string, unknown> = {};
  for (const key of required) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const property = properties[key] ?? {};
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    if (Array.isArray(property.enum) && property.enum.length) args[key] = property.enum[0];
    else if (property.default !== undefined) args[key] = property.default;
    else if (type === 'number' || type === 'integer') args[key] = numbers.length ? (type === 'integer' ? Math.trunc(numbers.shift()!) : numbers.shift()) : 0;
    else if (type === 'boolean') args[key] = false;
    else if (type === 'array') args[key] = [];
    else if (type === 'object') args[key] = {};
    else args[key] = rest;
  }
  return args;
}

const lastUserText = (messages: readonly Message[]) => {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'user') return contentText(message.content);
  }
  return '';
};

/**
 * The model the CLI runs on when the config names none and no provider key or host is in the
 * environment, so `agentrt init && agentrt run "…"` works offline. It is scripted, not
 * intelligent: when the input names an advertised tool it calls that tool once (required
 * arguments filled from the input: numbers for numeric fields, the text for string fields),
 * then answers with the tool's result; otherwise it answers at once, saying what it is.
 * Usage is estimated at 4 characters per token; it costs nothing.
 */
export function createDemoModel(): ModelAdapter {
  return {
    ...DEMO_MODEL_ID,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const sent = request.messages.reduce((sum, message) => sum + approxTokens(typeof message.content === 'string' ? message.content : contentText(message.content)), 0);
      const answer = (text: string): ModelResponse => ({ message: { role: 'assistant', content: text }, usage: { inputTokens: sent, outputTokens: approxTokens(text) }, finishReason: 'stop' });
      const last = request.messages.at(-1);
      if (last?.role === 'tool') {
        const results = [];
        for (let i = request.messages.length - 1; i >= 0 && request.messages[i]!.role === 'tool'; i--) results.unshift(request.messages[i] as Extract<Message, { role: 'tool' }>);
        return answer(results.map((result) => `${result.name} ${result.isError ? `failed (${result.code ?? 'error'})` : 'returned'}: ${clip(contentText(result.content), 600)}`).join('\n'));
      }
      // The finalize call after a limit stop (no tools offered, turns already taken): it renders tool
      // traffic as text — `[result of tool add]` user turns, the last one followed by the instruction after
      // a blank line — so answer with those results (each up to its first blank line).
      if (request.tools.length === 0 && request.messages.some((message) => message.role === 'assistant')) {
        const found: string[] = [];
        for (const message of request.messages) {
          const head = message.role === 'user' ? /^\[result of tool ([^\]\s]+)( \(error[^)]*\))?\]\n?/.exec(contentText(message.content)) : null;
          if (head) found.push(`${head[1]} ${head[2] ? 'failed' : 'returned'}: ${clip(contentText(message.content).slice(head[0].length).split('\n\n')[0]!, 600)}`);
        }
        if (found.length) return answer(`The run reached a limit; from what the tools returned:\n${found.join('\n')}`);
      }
      const text = lastUserText(request.messages);
      const tool = request.tools.find((spec) => new RegExp(`\\b${spec.name.replace(/[^A-Za-z0-9_]/g, '')}\\b`, 'i').test(text));
      if (tool) {
        const step = request.messages.filter((message) => message.role === 'assistant').length;
        return {
          message: { role: 'assistant', content: '', toolCalls: [{ id: `demo-${step}`, name: tool.name, args: argsFor(tool, text) }] },
          usage: { inputTokens: sent, outputTokens: 12 },
          finishReason: 'tool_calls',
        };
      }
      const tools = request.tools.map((spec) => spec.name);
      return answer([
        `This is agentrt's embedded demo model (no API key is set, so nothing left this machine). You said: "${clip(text, 200)}".`,
        tools.length ? `Name a tool in your input to see a tool call (${tools.join(', ')}).` : 'Add tools (plugins) to the config to see tool calls.',
        'For a real model set OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST, or AGENTRT_MODEL=provider:model, or `model` in the config.',
      ].join('\n'));
    },
  };
}
