/**
 * A tool invocation requested by the model.
 *
 * `args` holds the arguments as the model produced them. Adapters put a parsed
 * JSON object here when the provider's arguments parse, and the raw text
 * otherwise; the loop parses a string as JSON and rejects anything that is
 * not a plain object (`tool_args_invalid`), so a malformed call never crashes the run.
 */
export interface ToolCall {
  /** Provider-assigned id, unique within a run. */
  readonly id: string;
  /** The exact tool name the model asked for (no fuzzy matching is applied). */
  readonly name: string;
  /** Arguments: a JSON object, or raw JSON text, or whatever the model sent. */
  readonly args: unknown;
}

/** A system prompt. */
export interface SystemMessage {
  readonly role: 'system';
  readonly content: string;
}

/** A user turn. */
export interface UserMessage {
  readonly role: 'user';
  readonly content: string;
}

/** A model turn: text, tool calls, or both. */
export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string;
  readonly toolCalls?: readonly ToolCall[];
}

/**
 * The result of one tool call. Every assistant tool call has exactly one of these
 * in the transcript (invariant I3). Error results carry `isError` and a typed `code`.
 */
export interface ToolMessage {
  readonly role: 'tool';
  readonly toolCallId: string;
  readonly name: string;
  readonly content: string;
  readonly isError?: boolean;
  /** snake_case error code for error results, e.g. `tool_not_found`, `tool_timeout`. */
  readonly code?: string;
}

/** One entry of a transcript. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** Token counts of one model call or a whole run. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Token counts plus the priced cost in USD (0 when no pricing is configured). */
export interface Usage extends TokenUsage {
  costUsd: number;
}

/** A zero `Usage`. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

/** Adds `b` to `a` in place and returns `a`. */
export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  a.inputTokens += b.inputTokens ?? 0;
  a.outputTokens += b.outputTokens ?? 0;
  a.costUsd += b.costUsd ?? 0;
  return a;
}
