import { Buffer } from 'node:buffer';
import { base64Bytes } from '../content/validate.js';
import type { Message, MessageContent } from '../messages.js';
import type { OutputSpec, ToolSpec } from '../model.js';

/** The parts of a model request that count as input tokens. */
export interface EstimatedRequest {
  readonly messages: readonly Message[];
  readonly tools: readonly ToolSpec[];
  readonly output?: OutputSpec;
}

/**
 * Estimates the input tokens of a model request, so budgets can stop before a call that would
 * not fit and cap the call's output to what is left (`createRuntime({ tokenEstimator })`).
 *
 * A budget's remaining overshoot is the estimate's shortfall: when the provider counts more input
 * tokens than estimated, the run may end that many tokens over its budget. An estimator should
 * therefore err high. It is asked only when a budget is near its limit (see docs/governance.md),
 * and should count no more than one token per UTF-8 byte of text (every byte-level BPE tokenizer
 * does), which is what the runtime's "not near yet" check assumes.
 *
 * `@agentrt/context` exports `TokenizerEstimator` (OpenAI's o200k tokenizer, cached per message).
 */
export interface TokenEstimator {
  estimate(request: EstimatedRequest): number;
}

/** Framing tokens counted per message (role markers), as most chat formats add. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Framing tokens counted per request (the assistant turn's priming). */
export const REQUEST_OVERHEAD_TOKENS = 3;
/** Tokens counted for an image (an upper figure for images scaled to providers' limits). */
export const IMAGE_TOKENS_ESTIMATE = 1_600;
/** Tokens counted per started 50 KB of a PDF, and for a file given by url. */
export const FILE_PAGE_TOKENS_ESTIMATE = 2_000;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Size of a file part in the estimate's units, given how text is counted. */
function fileTokens(part: { mediaType: string; data?: string }, textTokens: (bytes: number) => number): number {
  if (part.data === undefined) return FILE_PAGE_TOKENS_ESTIMATE;
  const bytes = base64Bytes(part.data);
  if (part.mediaType.toLowerCase() === 'application/pdf') return FILE_PAGE_TOKENS_ESTIMATE * Math.max(1, Math.ceil(bytes / 50_000));
  return textTokens(bytes);
}

function contentSize(content: MessageContent, textTokens: (bytes: number) => number): number {
  if (typeof content === 'string') return textTokens(utf8(content));
  let tokens = 0;
  for (const part of content) {
    if (part.type === 'text') tokens += textTokens(utf8(part.text));
    else if (part.type === 'image') tokens += IMAGE_TOKENS_ESTIMATE;
    else tokens += fileTokens(part, textTokens);
  }
  return tokens;
}

/** A message's size, with text counted by `textTokens(utf8Bytes)`. */
function messageSize(message: Message, textTokens: (bytes: number) => number): number {
  let tokens = MESSAGE_OVERHEAD_TOKENS + contentSize(message.content, textTokens);
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) {
      const args = typeof call.args === 'string' ? call.args : safeJson(call.args);
      tokens += 3 + textTokens(utf8(call.name) + utf8(args));
    }
    for (const part of message.reasoning ?? []) tokens += textTokens(utf8(part.text));
  } else if (message.role === 'tool') tokens += textTokens(utf8(message.name));
  return tokens;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {}) ?? '';
  } catch {
    return '';
  }
}

const perByte = (bytes: number) => bytes;
const perThreeBytes = (bytes: number) => Math.ceil(bytes / 3);

/**
 * The default estimator: text counts one token per 3 UTF-8 bytes (English runs about 4–4.5
 * bytes per token in current tokenizers, JSON and code about 3, CJK text about 3 bytes per
 * character and per token — so it errs high), plus 4 tokens per message and 3 per tool call;
 * an image counts 1 600 tokens, a PDF 2 000 per started 50 KB (a file by url 2 000), any other
 * file one token per 3 bytes. Tool specs and the output schema count by their JSON text.
 * Cached per message object, so a growing history costs only its new messages.
 */
export class CharTokenEstimator implements TokenEstimator {
  private readonly messages = new WeakMap<object, number>();
  private readonly specs = new WeakMap<object, number>();

  estimate(request: EstimatedRequest): number {
    let tokens = REQUEST_OVERHEAD_TOKENS;
    for (const message of request.messages) {
      let size = this.messages.get(message);
      if (size === undefined) this.messages.set(message, (size = messageSize(message, perThreeBytes)));
      tokens += size;
    }
    tokens += this.spec(request.tools);
    if (request.output) tokens += this.spec(request.output);
    return tokens;
  }

  private spec(value: object): number {
    if (Array.isArray(value) && value.length === 0) return 0;
    let size = this.specs.get(value);
    if (size === undefined) this.specs.set(value, (size = perThreeBytes(utf8(safeJson(value)))));
    return size;
  }
}

const upperMessages = new WeakMap<object, number>();
const upperSpecs = new WeakMap<object, number>();

/**
 * A cheap upper bound of any sane estimate of a message (one token per UTF-8 byte, the same
 * media figures), cached per message object. The runtime uses it to skip estimating while
 * every budget is far from its limit.
 */
export function messageUpperBound(message: Message): number {
  let size = upperMessages.get(message);
  if (size === undefined) upperMessages.set(message, (size = messageSize(message, perByte)));
  return size;
}

/** `messageUpperBound` without the per-message cache (for a message counted once). */
export function messageUpperBoundOf(message: Message): number {
  return upperMessages.get(message) ?? messageSize(message, perByte);
}

/** Upper bound of tool specs or an output spec (their JSON's UTF-8 bytes), cached per object. */
export function specUpperBound(value: object | undefined): number {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 0;
  let size = upperSpecs.get(value);
  if (size === undefined) upperSpecs.set(value, (size = utf8(safeJson(value))));
  return size;
}
