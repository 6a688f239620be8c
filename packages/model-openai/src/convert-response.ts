import { ModelError, type FinishReason, type ModelResponse, type ModelStreamEvent, type ToolCall } from '@agentrt/core';
import { fromOpenAIArguments } from './convert-messages.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** Arguments as JSON text: a server that sends an object instead of the documented string is read too. */
const argumentsText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

const FINISH: Record<string, FinishReason> = { stop: 'stop', tool_calls: 'tool_calls', function_call: 'tool_calls', length: 'length', content_filter: 'content_filter' };
/** The server's finish reason, mapped by own entries only (`constructor` from a server is `other`, not a function). */
const finishOf = (reason: unknown): FinishReason => (typeof reason === 'string' && Object.hasOwn(FINISH, reason) ? FINISH[reason]! : 'other');

/** The provider's own model and response ids, when it sent them (for traces: `gen_ai.response.model`/`id`). */
const responseMeta = (model: unknown, id: unknown) => ({
  ...(typeof model === 'string' && model ? { model } : {}),
  ...(typeof id === 'string' && id ? { id } : {}),
});

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const usageOf = (usage: unknown) => (isObject(usage) ? { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) } : { inputTokens: 0, outputTokens: 0 });

/** A 200 whose body is not a chat completion (an HTML error page, `{}`): retryable, like a failed connection. */
export const unreadable = (why: string) => new ModelError('model_unavailable', `openai sent a response that could not be read: ${why}`, { retryable: true });

/** Message content as text: a string, or the text parts of a content-part array (some compatible servers send one). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isObject(part) && (part.type === 'text' || part.type === undefined) ? text(part.text) : '')).join('');
}

/**
 * A non-streamed chat completion → a `ModelResponse`, read defensively: a body without a
 * choice or message is `unreadable` (retried); tool calls that are not objects are dropped, one
 * without a function name keeps an empty name (the loop answers it with `tool_not_found`).
 */
export function fromOpenAICompletion(completion: unknown): ModelResponse {
  const choice = isObject(completion) && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  if (!isObject(choice)) {
    // A proxy that answers 200 with the API's error body: its message says what went wrong.
    const error = isObject(completion) && isObject(completion.error) ? text(completion.error.message) : '';
    throw unreadable(error ? `it is an error: ${Array.from(error).slice(0, 1_000).join('')}` : 'the response has no choices');
  }
  const message = choice.message;
  if (!isObject(message)) throw unreadable('the choice has no message');
  const calls: ToolCall[] = (Array.isArray(message.tool_calls) ? message.tool_calls : []).flatMap((call: unknown) => {
    if (!isObject(call) || (call.type !== undefined && call.type !== 'function')) return [];
    const fn = isObject(call.function) ? call.function : {};
    return [{ id: text(call.id), name: text(fn.name), args: fromOpenAIArguments(argumentsText(fn.arguments)) }];
  });
  const content = contentText(message.content);
  // A Structured Outputs refusal comes in `refusal`, not `content`.
  const refusal = text(message.refusal);
  const c = completion as Json;
  return {
    message: { role: 'assistant', content: content || refusal, ...(calls.length ? { toolCalls: calls } : {}) },
    usage: usageOf(c.usage),
    finishReason: refusal && !content ? 'content_filter' : finishOf(choice.finish_reason),
    ...responseMeta(c.model, c.id),
  };
}

interface PartialCall {
  id: string;
  name: string;
  args: string;
  /** The server's `index`, when it is a valid one (orders the calls). */
  readonly index: number | undefined;
  /** Position of the call in the stream, for `tool_call_delta.index` when the server's is unusable. */
  readonly ordinal: number;
  /** Started by a new id at an index another call holds: its server index is not its own. */
  readonly split: boolean;
}

const validIndex = (index: unknown): number | undefined => (typeof index === 'number' && Number.isSafeInteger(index) && index >= 0 ? index : undefined);

/**
 * Assembles a streamed chat completion chunk by chunk, emitting text and tool-call deltas as they
 * come. Read defensively: chunks without `choices` (a usage chunk from some servers) or without
 * `delta` (Azure's content-filter chunks) carry no delta; tool-call fragments are keyed by their
 * `index` in a `Map` — never an array or object a server-chosen key (`"__proto__"`, `-1`) could
 * write through — and a fragment without a valid index continues the call with its id, or the
 * last call. A fragment with a new id and a name at an index another named call holds starts a
 * call of its own.
 */
export class OpenAIChunkAssembler {
  private text = '';
  private refusal = '';
  private finish: string | undefined;
  private usage = { inputTokens: 0, outputTokens: 0 };
  private readonly calls = new Map<string, PartialCall>();
  /** Index keys taken over by a call with another id (see `addCall`) → the key of that call. */
  private readonly moved = new Map<string, string>();
  private lastKey: string | undefined;
  private model: unknown;
  private id: unknown;

  constructor(private readonly emit: (event: ModelStreamEvent) => void) {}

  add(chunk: unknown): void {
    if (!isObject(chunk)) return;
    this.model ??= chunk.model;
    this.id ??= chunk.id;
    if (isObject(chunk.usage)) this.usage = usageOf(chunk.usage);
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isObject(choice)) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const content = contentText(delta.content);
    if (content) {
      this.text += content;
      this.emit({ type: 'text_delta', text: content });
    }
    this.refusal += text(delta.refusal);
    for (const [position, fragment] of (Array.isArray(delta.tool_calls) ? delta.tool_calls : []).entries()) {
      if (isObject(fragment)) this.addCall(fragment, position);
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) this.finish = choice.finish_reason;
  }

  private addCall(fragment: Json, position: number): void {
    const index = validIndex(fragment.index);
    const id = text(fragment.id);
    const base = index !== undefined ? `i${index}` : id ? `id${id}` : undefined;
    let key = base !== undefined ? (this.moved.get(base) ?? base) : (this.lastKey ?? `p${position}`);
    let call = this.calls.get(key);
    let split = false;
    const fn = isObject(fragment.function) ? fragment.function : {};
    const name = text(fn.name);
    if (call && id && call.id && id !== call.id && name && call.name) {
      // Another id and name at a taken index start a call of its own: gateways in front of other
      // providers (Gemini's, among others) stream every parallel call complete at `index: 0`.
      // Later fragments of that index continue the new call (ordered after the first by arrival).
      // A new id without a name (servers whose ids are not stable across fragments) continues.
      key = `${key}#${this.calls.size}`;
      this.moved.set(base!, key);
      call = undefined;
      split = true;
    }
    if (!call) this.calls.set(key, (call = { id: '', name: '', args: '', index, ordinal: this.calls.size, split }));
    this.lastKey = key;
    const args = argumentsText(fn.arguments);
    if (id) call.id = id;
    call.name += name;
    call.args += args;
    this.emit({ type: 'tool_call_delta', index: call.split ? call.ordinal : call.index ?? call.ordinal, ...(id ? { id } : {}), ...(name ? { name } : {}), ...(args ? { argsDelta: args } : {}) });
  }

  /** The complete response; throws when the stream ended without a finish reason (cut short). */
  response(): ModelResponse {
    if (!this.finish) throw new Error('the stream ended without a finish reason');
    const ordered = [...this.calls.values()].sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER) || a.ordinal - b.ordinal);
    const toolCalls: ToolCall[] = ordered.map((call) => ({ id: call.id, name: call.name, args: fromOpenAIArguments(call.args) }));
    return {
      message: { role: 'assistant', content: this.text || this.refusal, ...(toolCalls.length ? { toolCalls } : {}) },
      usage: this.usage,
      finishReason: this.refusal && !this.text ? 'content_filter' : finishOf(this.finish),
      ...responseMeta(this.model, this.id),
    };
  }
}
