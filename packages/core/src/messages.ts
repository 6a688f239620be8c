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

/** Plain text inside a multi-part message. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * An image: base64 `data` or a `url` (exactly one). `mediaType` is the IANA type, e.g. `image/png`.
 * Whether a model accepts it (and by URL or only inline) is declared by the adapter's `capabilities`.
 */
export interface ImagePart {
  readonly type: 'image';
  readonly mediaType: string;
  /** Base64 (standard alphabet, padded) bytes of the image. */
  readonly data?: string;
  /** `https:` (or `http:`) address of the image, for providers that fetch it themselves. */
  readonly url?: string;
}

/** A document (e.g. `application/pdf`, `text/plain`): base64 `data` or a `url` (exactly one). */
export interface FilePart {
  readonly type: 'file';
  readonly mediaType: string;
  /** Base64 (standard alphabet, padded) bytes of the file. */
  readonly data?: string;
  readonly url?: string;
  /** Shown to the model where the provider supports it. */
  readonly filename?: string;
}

/** One part of a multi-part user or tool message. */
export type ContentPart = TextPart | ImagePart | FilePart;

/** What user and tool messages carry: plain text, or an ordered list of parts. */
export type MessageContent = string | readonly ContentPart[];

/** A user turn: text, or parts (text, images, files). */
export interface UserMessage {
  readonly role: 'user';
  readonly content: MessageContent;
}

/**
 * Model reasoning that came with an assistant turn (Anthropic thinking, Ollama `thinking`).
 * `providerData` holds what the provider needs back verbatim (e.g. Anthropic's `signature`,
 * or a `redacted_thinking` payload), keyed by provider id. Reasoning is never the answer text.
 */
export interface ReasoningPart {
  readonly text: string;
  readonly providerData?: Readonly<Record<string, unknown>>;
}

/** A model turn: text, tool calls, or both; optionally the reasoning that preceded them. */
export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string;
  readonly toolCalls?: readonly ToolCall[];
  /** Reasoning blocks in the order the provider produced them; sent back as the provider requires. */
  readonly reasoning?: readonly ReasoningPart[];
}

/**
 * The result of one tool call. Every assistant tool call has exactly one of these
 * in the transcript (invariant I3). Error results carry `isError` and a typed `code`.
 */
export interface ToolMessage {
  readonly role: 'tool';
  readonly toolCallId: string;
  readonly name: string;
  /** Text, or parts (e.g. a screenshot a tool took). */
  readonly content: MessageContent;
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

/**
 * An image or file part as events and the audit log record it: media type, `sha256` (of the
 * decoded bytes) and `bytes` instead of the data itself. Parts given by `url` keep the url.
 */
export interface MediaDigest {
  readonly type: 'image' | 'file';
  readonly mediaType: string;
  readonly sha256?: string;
  readonly bytes?: number;
  readonly url?: string;
  readonly filename?: string;
}

/** Message content as recorded in events: text as-is, media parts as digests. */
export type RecordedContent = string | readonly (TextPart | MediaDigest)[];

/** The text of a message's content: the string itself, or its text parts joined by newlines (images and files are skipped). */
export function contentText(content: MessageContent | RecordedContent): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) {
    if (part.type !== 'text') continue;
    text = text ? `${text}\n${part.text}` : part.text;
  }
  return text;
}

/** The content as parts: a string becomes one text part (an empty string, no parts). */
export function contentParts(content: MessageContent): readonly ContentPart[] {
  return typeof content === 'string' ? (content ? [{ type: 'text', text: content }] : []) : content;
}

/** True when the content carries an image or file part. */
export function hasMediaParts(content: MessageContent): boolean {
  return typeof content !== 'string' && content.some((part) => part.type !== 'text');
}
