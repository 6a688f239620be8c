import { ConfigError } from '@agentrt/core';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { DEFAULT_MAX_CONTENT_TOTAL_CHARS } from './content.js';

/** Options of the OpenTelemetry plugin (`otelPlugin(options)`, `createOtelHooks(options)`). */
export interface OtelOptions {
  /** Where spans go. Default: the global tracer provider (`trace.setGlobalTracerProvider`, or an SDK's `register()`), looked up lazily. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the global meter provider as it is when the first run starts
   * (register yours before that, or pass it here).
   */
  readonly meterProvider?: MeterProvider;
  /** Record metrics. Default true. */
  readonly metrics?: boolean;
  /** `gen_ai.agent.name`; also names the `invoke_agent {name}` span. */
  readonly agentName?: string;
  /** `gen_ai.agent.id`. */
  readonly agentId?: string;
  /** `gen_ai.agent.description`. */
  readonly agentDescription?: string;
  /** `gen_ai.agent.version`. */
  readonly agentVersion?: string;
  /**
   * Record message content (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`), redacted by the runtime's redactor.
   * Default: false, unless `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
   * Content may hold personal data: turn it on only where your telemetry backend may hold it.
   */
  readonly captureContent?: boolean;
  /** Longest string kept in captured content (longer ones are cut, JSON kept valid). Default 16 384. */
  readonly maxContentChars?: number;
  /**
   * Longest captured content attribute, in characters of its JSON text: a transcript longer than
   * this keeps its first message and its latest ones, with one `agentrt.truncated` marker message
   * in place of those left out; any other value over it becomes an `agentrt.truncated` object
   * with a cut preview. An integer from 1 024 to 100 000 000. Default 262 144.
   */
  readonly maxContentTotalChars?: number;
  /** `gen_ai.conversation.id` of a run. Default: the run id. Return undefined to leave it out. */
  readonly conversationId?: (run: { readonly runId: string; readonly metadata: Readonly<Record<string, unknown>> }) => string | undefined;
  /**
   * Link a resumed run's spans to its earlier drives (the first one and the previous one). Needs
   * two small `run_annotated` events per run (the drives' span contexts), persisted in the store
   * so a resume in another process finds them. Default true.
   */
  readonly linkResumedRuns?: boolean;
}

/** Options with defaults applied. */
export interface ResolvedOtelOptions extends Omit<OtelOptions, 'metrics' | 'captureContent' | 'maxContentChars' | 'maxContentTotalChars' | 'linkResumedRuns'> {
  readonly metrics: boolean;
  readonly captureContent: boolean;
  readonly maxContentChars: number;
  readonly maxContentTotalChars: number;
  readonly linkResumedRuns: boolean;
}

const STRINGS = ['agentName', 'agentId', 'agentDescription', 'agentVersion'] as const;
const BOOLEANS = ['metrics', 'captureContent', 'linkResumedRuns'] as const;
const KNOWN = new Set<string>([...STRINGS, ...BOOLEANS, 'tracerProvider', 'meterProvider', 'maxContentChars', 'maxContentTotalChars', 'conversationId']);

/** Validates options; a bad one throws `ConfigError` naming the field (`<prefix>.<field>`). */
export function resolveOtelOptions(options: OtelOptions | undefined, prefix = 'otel', env: Readonly<Record<string, string | undefined>> = process.env): ResolvedOtelOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError(prefix, 'expected an options object');
  const field = (name: string) => `${prefix}.${name}`;
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new ConfigError(field(key), 'unknown option');
  for (const name of STRINGS) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 256)) throw new ConfigError(field(name), 'expected a non-empty string of at most 256 characters');
  }
  for (const name of BOOLEANS) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new ConfigError(field(name), 'expected a boolean');
  }
  if (options.tracerProvider !== undefined && typeof options.tracerProvider?.getTracer !== 'function') throw new ConfigError(field('tracerProvider'), 'expected a TracerProvider (with getTracer)');
  if (options.meterProvider !== undefined && typeof options.meterProvider?.getMeter !== 'function') throw new ConfigError(field('meterProvider'), 'expected a MeterProvider (with getMeter)');
  if (options.conversationId !== undefined && typeof options.conversationId !== 'function') throw new ConfigError(field('conversationId'), 'expected a function (run) => string | undefined');
  const max = options.maxContentChars;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 16 || max > 10_000_000)) throw new ConfigError(field('maxContentChars'), 'expected an integer from 16 to 10 000 000');
  const total = options.maxContentTotalChars;
  if (total !== undefined && (typeof total !== 'number' || !Number.isInteger(total) || total < 1_024 || total > 100_000_000)) {
    throw new ConfigError(field('maxContentTotalChars'), 'expected an integer from 1 024 to 100 000 000');
  }
  return {
    ...options,
    metrics: options.metrics ?? true,
    captureContent: options.captureContent ?? env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === 'true',
    maxContentChars: max ?? 16_384,
    maxContentTotalChars: total ?? DEFAULT_MAX_CONTENT_TOTAL_CHARS,
    linkResumedRuns: options.linkResumedRuns ?? true,
  };
}
