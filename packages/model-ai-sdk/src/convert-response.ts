import type { FinishReason, ModelResponse, ModelStreamEvent, ReasoningPart, TokenUsage, ToolCall } from '@agentrt/core';
import { fromStreamError } from './errors.js';
import { toProviderData } from './convert-prompt.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length', 'content-filter': 'content_filter', 'tool-calls': 'tool_calls', error: 'error', other: 'other', unknown: 'other' };

/** The spec's finish reason (V3 `{ unified, raw }`, V2 a string) → agentrt's. */
export function toFinishReason(reason: unknown): FinishReason {
  const unified = isObject(reason) ? reason.unified : reason;
  return (typeof unified === 'string' && Object.hasOwn(FINISH, unified) ? FINISH[unified] : undefined) ?? 'other';
}

/** A token count as a sane integer: not a number, negative, NaN or infinite is 0; fractions are cut; at most `Number.MAX_SAFE_INTEGER`. */
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0);

/** The spec's usage (V3 `{ inputTokens: { total }, outputTokens: { total } }`, V2 numbers) → agentrt's; missing counts are 0. */
export function toUsage(usage: unknown): TokenUsage {
  const u = isObject(usage) ? usage : {};
  const total = (value: unknown) => (isObject(value) ? count(value.total) : count(value));
  return { inputTokens: total(u.inputTokens), outputTokens: total(u.outputTokens) };
}

/**
 * Tool-call `input` (JSON text per the spec) → parsed JSON when it parses to anything but a string,
 * the raw text otherwise (the loop then reports `tool_args_invalid`). A JSON string stays text, so the
 * loop (which parses string arguments) never decodes double-encoded arguments twice.
 */
export function toArgs(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    const value: unknown = JSON.parse(input);
    return typeof value === 'string' ? input : value;
  } catch {
    return input;
  }
}

function reasoningEntry(text: string, metadata: unknown): ReasoningPart | undefined {
  const providerData = toProviderData(metadata);
  if (!text && !providerData) return undefined;
  return providerData ? { text, providerData } : { text };
}

/** The provider's response id and model (`response` of doGenerate, the `response-metadata` stream part), for traces. */
function responseMeta(response: unknown): { model?: string; id?: string } {
  if (!isObject(response)) return {};
  return {
    ...(typeof response.modelId === 'string' && response.modelId ? { model: response.modelId } : {}),
    ...(typeof response.id === 'string' && response.id ? { id: response.id } : {}),
  };
}

/** An assistant message from its parts, without empty fields. */
function message(text: string, toolCalls: ToolCall[], reasoning: ReasoningPart[]): ModelResponse['message'] {
  return { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}), ...(reasoning.length ? { reasoning } : {}) };
}

/**
 * A `doGenerate` result → a `ModelResponse`: `text` parts joined, `reasoning` parts as
 * `message.reasoning` (their provider metadata as `providerData`), client-side `tool-call` parts
 * as tool calls. Provider-executed tool calls and results, generated files and sources are not
 * part of agentrt's assistant message and are dropped.
 */
export function fromGenerateResult(result: unknown): ModelResponse {
  const r = isObject(result) ? result : {};
  const content = Array.isArray(r.content) ? (r.content as unknown[]) : [];
  let text = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'reasoning') {
      const entry = reasoningEntry(typeof part.text === 'string' ? part.text : '', part.providerMetadata);
      if (entry) reasoning.push(entry);
    } else if (part.type === 'tool-call' && part.providerExecuted !== true) {
      toolCalls.push({ id: String(part.toolCallId ?? ''), name: String(part.toolName ?? ''), args: toArgs(part.input) });
    }
  }
  return { message: message(text, toolCalls, reasoning), usage: toUsage(r.usage), finishReason: toFinishReason(r.finishReason), ...responseMeta(r.response) };
}

function mergeMetadata(into: Json, metadata: unknown): void {
  if (!isObject(metadata)) return;
  for (const [key, value] of Object.entries(metadata)) {
    if (!isObject(value)) continue;
    into[key] = { ...(isObject(into[key]) ? (into[key] as Json) : {}), ...value };
  }
}

/**
 * Assembles a `doStream` stream part by part, emitting agentrt stream events as they come:
 * `text-delta` → `text_delta`, `reasoning-delta` → `reasoning_delta` (reasoning kept by id with
 * its metadata, e.g. the signature Anthropic sends last), `tool-input-start` / `-delta` →
 * `tool_call_delta`, `tool-call` → the call's final input. An `error` part throws a typed error;
 * a stream without a `finish` part is incomplete and `finish()` throws.
 */
export class StreamAssembler {
  private text = '';
  private readonly reasoning = new Map<string, { text: string; metadata: Json }>();
  private readonly calls: { id: string; name: string; args: string; final?: unknown }[] = [];
  private readonly callsById = new Map<string, { id: string; name: string; args: string; final?: unknown }>();
  private readonly skipped = new Set<string>();
  private finished: Json | undefined;
  private meta: { model?: string; id?: string } = {};

  constructor(private readonly emit: (event: ModelStreamEvent) => void, private readonly label: string) {}

  add(part: unknown): void {
    if (!isObject(part)) return;
    const id = typeof part.id === 'string' ? part.id : '';
    switch (part.type) {
      case 'text-delta':
        if (typeof part.delta === 'string' && part.delta) {
          this.text += part.delta;
          this.emit({ type: 'text_delta', text: part.delta });
        }
        break;
      case 'reasoning-start':
      case 'reasoning-delta':
      case 'reasoning-end': {
        let entry = this.reasoning.get(id);
        if (!entry) this.reasoning.set(id, (entry = { text: '', metadata: {} }));
        mergeMetadata(entry.metadata, part.providerMetadata);
        if (part.type === 'reasoning-delta' && typeof part.delta === 'string' && part.delta) {
          entry.text += part.delta;
          this.emit({ type: 'reasoning_delta', text: part.delta });
        }
        break;
      }
      case 'tool-input-start': {
        if (part.providerExecuted === true) {
          this.skipped.add(id);
          break;
        }
        const call = { id, name: typeof part.toolName === 'string' ? part.toolName : '', args: '' };
        this.calls.push(call);
        this.callsById.set(id, call);
        this.emit({ type: 'tool_call_delta', index: this.calls.length - 1, id, name: call.name });
        break;
      }
      case 'tool-input-delta': {
        const call = this.callsById.get(id);
        if (!call || typeof part.delta !== 'string' || !part.delta) break;
        call.args += part.delta;
        this.emit({ type: 'tool_call_delta', index: this.calls.indexOf(call), argsDelta: part.delta });
        break;
      }
      case 'tool-call': {
        const callId = typeof part.toolCallId === 'string' ? part.toolCallId : '';
        if (part.providerExecuted === true || this.skipped.has(callId)) break;
        const name = typeof part.toolName === 'string' ? part.toolName : '';
        const known = this.callsById.get(callId);
        if (known) {
          known.name = name || known.name;
          known.final = part.input;
          break;
        }
        // A provider that sends the whole call at once: it becomes visible now.
        const call = { id: callId, name, args: typeof part.input === 'string' ? part.input : '', final: part.input };
        this.calls.push(call);
        this.callsById.set(callId, call);
        this.emit({ type: 'tool_call_delta', index: this.calls.length - 1, id: callId, name, ...(call.args ? { argsDelta: call.args } : {}) });
        break;
      }
      case 'response-metadata':
        this.meta = { ...this.meta, ...responseMeta(part) };
        break;
      case 'finish':
        this.finished = part;
        break;
      case 'error':
        throw fromStreamError(part.error, this.label);
    }
  }

  /**
   * The complete response; throws when the stream ended without its `finish` part, or with a
   * specification-v3 finish reason the provider never sent (`{ unified: 'other', raw: undefined }`:
   * the provider packages' initial value, e.g. a stream cut cleanly before `finish_reason`).
   * Specification v2 cannot tell that apart from an unrecognized reason (`'unknown'`), so it is kept.
   */
  finish(): ModelResponse {
    if (!this.finished) throw new Error('the stream ended without a finish part');
    const reason = this.finished.finishReason;
    if (isObject(reason) && reason.unified === 'other' && reason.raw === undefined) throw new Error('the stream ended without a finish reason from the provider');
    const toolCalls: ToolCall[] = this.calls.map((call) => ({ id: call.id, name: call.name, args: toArgs(call.final !== undefined ? call.final : call.args) }));
    const reasoning = [...this.reasoning.values()].flatMap((entry) => reasoningEntry(entry.text, entry.metadata) ?? []);
    return { message: message(this.text, toolCalls, reasoning), usage: toUsage(this.finished.usage), finishReason: toFinishReason(this.finished.finishReason), ...this.meta };
  }
}
