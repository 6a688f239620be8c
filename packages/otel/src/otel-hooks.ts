import {
  AgentrtError,
  type HookContext, type ModelCallInfo, type ModelResponse, type Redactor, type RunDriveInfo, type RunEvent, type RunResult,
  type RuntimeHooks, type ToolExecutionInfo, type ToolMessage,
} from '@agentrt/core';
import {
  context, isSpanContextValid, metrics, SpanKind, SpanStatusCode, trace,
  type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer,
} from '@opentelemetry/api';
import { ANNOTATION, ATTR, EVENT } from './attributes.js';
import { captured, finishReason, toOtelMessages } from './content.js';
import { createInstruments, type Instruments } from './instruments.js';
import { resolveOtelOptions, type OtelOptions, type ResolvedOtelOptions } from './options.js';

/** Instrumentation scope name of every span and metric. */
export const INSTRUMENTATION_NAME = '@agentrt/otel';
/** Instrumentation scope version. */
export const INSTRUMENTATION_VERSION = '0.1.0';

/** What the plugin holds about a run while one of its drives is in this process. */
interface Drive {
  readonly runId: string;
  readonly span: Span;
  readonly ctx: Context;
  readonly redactor: Redactor;
  readonly provider: string;
  readonly model: string;
  readonly conversationId: string | undefined;
  readonly started: number;
  /** The model call in flight (model retries become its events). */
  chat: { readonly span: Span; retries: number } | undefined;
  inputTokens: number;
  outputTokens: number;
}

const now = () => performance.now();
/** Longest tool description kept as `gen_ai.tool.description` (an MCP server chooses it). */
const MAX_DESCRIPTION_CHARS = 1_024;
/** Most tool call ids one span event lists (each cut to 256 characters); `agentrt.approval.count` counts them all. */
const MAX_EVENT_IDS = 64;
/** Model-controlled strings (an unknown tool's name, a call id) are cut before they name spans. */
/** At most `max` UTF-16 units and an ellipsis; never half a surrogate pair (a lone half is not valid UTF-8 for an exporter). */
const clip = (text: string, max = 256): string => {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return `${text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)}…`;
};
const seconds = (since: number) => Math.max(0, (now() - since) / 1000);

/** Never let telemetry fail a run: exporter, attribute or content errors are dropped here. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // telemetry is best effort
  }
}

/** The stop reason of the runtime's abort (`RunAbort`: killed, cancelled, timeout), else undefined. */
function abortStop(error: unknown): 'killed' | 'cancelled' | 'timeout' | undefined {
  if (!(error instanceof Error) || error.name !== 'RunAbort') return undefined;
  const kind = (error as { kind?: unknown }).kind;
  return kind === 'killed' || kind === 'cancelled' || kind === 'timeout' ? kind : undefined;
}

/** A low-cardinality `error.type` for a thrown value: the agentrt error code, the abort kind, or the error's name. */
export function errorTypeOf(error: unknown): string {
  if (AgentrtError.isInstance(error)) return error.code;
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    if (error.name === 'RunAbort' && typeof kind === 'string') return kind;
    if (error.name && error.name !== 'Error') return error.name;
  }
  return '_OTHER';
}

/**
 * Emits OpenTelemetry GenAI spans and metrics for agentrt runs through `@opentelemetry/api`:
 * one `invoke_agent` span per drive of a run, one `chat {model}` span per model call and one
 * `execute_tool {name}` span per tool call, with `gen_ai.*` and `agentrt.*` attributes. Use it
 * through `otelPlugin(options)` or pass `createOtelHooks(options)` in `hooks`.
 */
class OtelInstrumentation implements RuntimeHooks {
  private readonly options: ResolvedOtelOptions;
  private readonly tracer: Tracer;
  private instruments: Instruments | undefined | false;
  private readonly drives = new Map<string, Drive>();

  constructor(options: ResolvedOtelOptions) {
    this.options = options;
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    this.wrapRun = this.wrapRun.bind(this);
    this.wrapModelCall = this.wrapModelCall.bind(this);
    this.wrapToolCall = this.wrapToolCall.bind(this);
    this.onEvent = this.onEvent.bind(this);
  }

  /** Created on first use, so a global meter provider registered after the plugin is still found. */
  private get meters(): Instruments | undefined {
    if (this.instruments === undefined) {
      this.instruments = this.options.metrics
        ? createInstruments((this.options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION))
        : false;
    }
    return this.instruments || undefined;
  }

  private agentAttributes(): Attributes {
    const { agentName, agentId, agentDescription, agentVersion } = this.options;
    return {
      ...(agentName !== undefined ? { [ATTR.agentName]: agentName } : {}),
      ...(agentId !== undefined ? { [ATTR.agentId]: agentId } : {}),
      ...(agentDescription !== undefined ? { [ATTR.agentDescription]: agentDescription } : {}),
      ...(agentVersion !== undefined ? { [ATTR.agentVersion]: agentVersion } : {}),
    };
  }

  private content(value: unknown, redactor: Redactor): string {
    return captured(value, redactor, this.options.maxContentChars, this.options.maxContentTotalChars);
  }

  // ── invoke_agent ────────────────────────────────────────────────────────────────────────

  async wrapRun(info: RunDriveInfo, next: () => Promise<RunResult>): Promise<RunResult> {
    let drive: Drive | undefined;
    try {
      drive = await this.startDrive(info);
    } catch {
      // telemetry is best effort: the run goes on untraced
    }
    if (!drive) return next();
    const current = drive;
    this.drives.set(info.runId, current);
    try {
      const result = await context.with(current.ctx, next);
      safely(() => this.endDrive(current, result));
      return result;
    } catch (error) {
      // next() rejects when the drive never started (a kill, a cancellation or the deadline came
      // while this hook was still setting up, e.g. reading a resumed run's annotations) or its
      // outcome could not be recorded. A stop is no error, as on a drive that ran.
      const stop = abortStop(error);
      let errorType: string | undefined;
      safely(() => {
        if (stop) current.span.setAttributes({ [ATTR.stopReason]: stop, [ATTR.runStatus]: 'stopped' });
        else errorType = this.failSpan(current.span, error, current.redactor);
      });
      safely(() => current.span.end());
      safely(() => this.meters?.invokeAgentDuration.record(seconds(current.started), {
        [ATTR.requestModel]: current.model,
        ...(this.options.agentName !== undefined ? { [ATTR.agentName]: this.options.agentName } : {}),
        ...(errorType !== undefined ? { [ATTR.errorType]: errorType } : {}),
      }));
      throw error;
    } finally {
      if (this.drives.get(info.runId) === current) this.drives.delete(info.runId);
    }
  }

  private async startDrive(info: RunDriveInfo): Promise<Drive> {
    // A user function's answer: only a non-empty string is an attribute value (an object would be dropped by the SDK), and a long one is cut.
    const given = this.options.conversationId ? this.options.conversationId({ runId: info.runId, metadata: info.metadata }) : info.runId;
    // Redacted like the run's metadata it usually comes from (the audit log never shows a secret there either), then cut.
    const conversationId = typeof given === 'string' && given ? clip(info.redactor.text(given)) : undefined;
    const links: Link[] = [];
    if (info.resumed && this.options.linkResumedRuns) {
      const annotations = await info.annotations().catch(() => new Map<string, unknown>());
      const origin = spanContextOf(annotations.get(ANNOTATION.origin));
      const previous = spanContextOf(annotations.get(ANNOTATION.drive));
      if (origin) links.push({ context: origin, attributes: { [ATTR.linkType]: 'origin' } });
      if (previous && !(origin && previous.spanId === origin.spanId && previous.traceId === origin.traceId)) {
        links.push({ context: previous, attributes: { [ATTR.linkType]: 'previous' } });
      }
    }
    const parent = context.active();
    const name = this.options.agentName ? `invoke_agent ${this.options.agentName}` : 'invoke_agent';
    const span = this.tracer.startSpan(name, {
      kind: SpanKind.INTERNAL,
      links,
      attributes: {
        [ATTR.operationName]: 'invoke_agent',
        [ATTR.providerName]: info.model.provider,
        [ATTR.requestModel]: info.model.model,
        ...this.agentAttributes(),
        ...(conversationId !== undefined ? { [ATTR.conversationId]: conversationId } : {}),
        [ATTR.runId]: info.runId,
        [ATTR.runResumed]: info.resumed,
        [ATTR.stepIndex]: info.stepIndex,
      },
    }, parent);
    if (this.options.captureContent && !info.resumed) {
      safely(() => span.setAttribute(ATTR.inputMessages, this.content(toOtelMessages(info.messages), info.redactor)));
    }
    if (this.options.linkResumedRuns) {
      const own = span.spanContext();
      if (isSpanContextValid(own)) {
        const value = { traceId: own.traceId, spanId: own.spanId, traceFlags: own.traceFlags };
        if (!info.resumed) info.annotate(ANNOTATION.origin, value);
        info.annotate(ANNOTATION.drive, value);
      }
    }
    return {
      runId: info.runId,
      span,
      ctx: trace.setSpan(parent, span),
      redactor: info.redactor,
      provider: info.model.provider,
      model: info.model.model,
      conversationId,
      started: now(),
      chat: undefined,
      inputTokens: 0,
      outputTokens: 0,
    };
  }

  private endDrive(drive: Drive, result: RunResult): void {
    const { span } = drive;
    span.setAttributes({
      [ATTR.stopReason]: result.stopReason,
      [ATTR.runStatus]: result.status,
      [ATTR.runSteps]: result.steps,
      [ATTR.runToolCalls]: result.toolCalls,
      [ATTR.runCostUsd]: result.usage.costUsd,
      [ATTR.usageInputTokens]: drive.inputTokens,
      [ATTR.usageOutputTokens]: drive.outputTokens,
    });
    const failed = result.status === 'failed';
    const errorType = failed ? (result.error?.code ?? result.stopReason) : undefined;
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.message ?? result.stopDetail ?? result.stopReason });
    }
    if (this.options.captureContent && result.output !== undefined) {
      safely(() => span.setAttribute(ATTR.outputMessages, this.content([{ role: 'assistant', parts: [{ type: 'text', content: result.output }], finish_reason: result.stopReason }], drive.redactor)));
    }
    span.end();
    this.meters?.invokeAgentDuration.record(seconds(drive.started), {
      [ATTR.requestModel]: drive.model,
      ...(this.options.agentName !== undefined ? { [ATTR.agentName]: this.options.agentName } : {}),
      ...(errorType !== undefined ? { [ATTR.errorType]: errorType } : {}),
    });
  }

  private failSpan(span: Span, error: unknown, redactor: Redactor): string {
    const type = clip(errorTypeOf(error));
    span.setAttribute(ATTR.errorType, type);
    const message = error instanceof Error ? error.message : String(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: redactor.text(message).slice(0, 1000) });
    return type;
  }

  // ── chat ────────────────────────────────────────────────────────────────────────────────

  wrapModelCall(call: ModelCallInfo, hookContext: HookContext, next: () => Promise<ModelResponse>): Promise<ModelResponse> {
    const drive = this.drives.get(hookContext.runId);
    if (!drive) return next();
    let span: Span;
    try {
      span = this.tracer.startSpan(`chat ${call.model}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR.operationName]: 'chat',
          [ATTR.providerName]: call.provider,
          [ATTR.requestModel]: call.model,
          [ATTR.requestStream]: call.stream,
          ...(call.request.maxOutputTokens !== undefined ? { [ATTR.requestMaxTokens]: call.request.maxOutputTokens } : {}),
          ...(call.request.output !== undefined ? { [ATTR.outputType]: 'json' } : {}),
          ...(drive.conversationId !== undefined ? { [ATTR.conversationId]: drive.conversationId } : {}),
          [ATTR.runId]: hookContext.runId,
          [ATTR.stepIndex]: hookContext.stepIndex,
        },
      }, drive.ctx);
      if (this.options.captureContent) safely(() => span.setAttribute(ATTR.inputMessages, this.content(toOtelMessages(call.request.messages), drive.redactor)));
    } catch {
      return next();
    }
    const chat = { span, retries: 0 };
    drive.chat = chat;
    const started = now();
    return context.with(trace.setSpan(drive.ctx, span), async () => {
      try {
        const response = await next();
        safely(() => this.endChat(drive, chat, call, response, started));
        return response;
      } catch (error) {
        safely(() => {
          const type = this.failSpan(span, error, drive.redactor);
          span.setAttribute(ATTR.modelRetries, chat.retries);
          span.end();
          this.meters?.operationDuration.record(seconds(started), { ...this.chatMetricAttributes(call, undefined), [ATTR.errorType]: type });
        });
        throw error;
      } finally {
        if (drive.chat === chat) drive.chat = undefined;
      }
    });
  }

  private chatMetricAttributes(call: ModelCallInfo, responseModel: string | undefined): Attributes {
    return {
      [ATTR.operationName]: 'chat',
      [ATTR.providerName]: call.provider,
      [ATTR.requestModel]: call.model,
      ...(responseModel !== undefined ? { [ATTR.responseModel]: responseModel } : {}),
    };
  }

  private endChat(drive: Drive, chat: { span: Span; retries: number }, call: ModelCallInfo, response: ModelResponse, started: number): void {
    const { span } = chat;
    // next() gives the adapter's answer as it is, before the runtime checks it: an adapter that
    // resolves with nothing fails the run (model_output_invalid), and its span must still end.
    if (response === null || typeof response !== 'object' || !response.message) {
      try {
        span.setAttributes({ [ATTR.errorType]: 'model_output_invalid', [ATTR.modelRetries]: chat.retries });
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the model adapter returned a response without an assistant message' });
      } finally {
        span.end();
      }
      this.meters?.operationDuration.record(seconds(started), { ...this.chatMetricAttributes(call, undefined), [ATTR.errorType]: 'model_output_invalid' });
      return;
    }
    let input = 0;
    let output = 0;
    let responseModel: string | undefined;
    try {
      const usage = response.usage ?? { inputTokens: 0, outputTokens: 0 };
      input = tokenCount(usage.inputTokens);
      output = tokenCount(usage.outputTokens);
      drive.inputTokens += input;
      drive.outputTokens += output;
      // What the provider says (model, id, finish reason) is redacted like everything the audit log
      // keeps, then cut like the tool names: a server could send megabytes, and one huge attribute
      // can fail a whole export batch. A finish reason that is not a string reads as `other`, as the runtime reads it.
      responseModel = typeof response.model === 'string' && response.model ? clip(drive.redactor.text(response.model)) : undefined;
      const reason = typeof response.finishReason === 'string' && response.finishReason ? finishReason(response.finishReason) : 'other';
      span.setAttributes({
        [ATTR.responseFinishReasons]: [clip(reason)],
        [ATTR.usageInputTokens]: input,
        [ATTR.usageOutputTokens]: output,
        [ATTR.modelRetries]: chat.retries,
        ...(responseModel !== undefined ? { [ATTR.responseModel]: responseModel } : {}),
        ...(typeof response.id === 'string' && response.id ? { [ATTR.responseId]: clip(drive.redactor.text(response.id)) } : {}),
      });
      if (this.options.captureContent) {
        safely(() => {
          const [message] = toOtelMessages([response.message]);
          span.setAttribute(ATTR.outputMessages, this.content([{ ...message, finish_reason: reason }], drive.redactor));
        });
      }
    } finally {
      // Whatever the answer held (a getter that throws), the span ends.
      span.end();
    }
    const meters = this.meters;
    if (meters) {
      const attributes = this.chatMetricAttributes(call, responseModel);
      meters.operationDuration.record(seconds(started), attributes);
      meters.tokenUsage.record(input, { ...attributes, [ATTR.tokenType]: 'input' });
      meters.tokenUsage.record(output, { ...attributes, [ATTR.tokenType]: 'output' });
    }
  }

  // ── execute_tool ────────────────────────────────────────────────────────────────────────

  wrapToolCall(call: ToolExecutionInfo, hookContext: HookContext, next: () => Promise<ToolMessage | undefined>): Promise<ToolMessage | undefined> {
    const drive = this.drives.get(hookContext.runId);
    if (!drive) return next();
    let span: Span;
    try {
      span = this.tracer.startSpan(`execute_tool ${call.name}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...this.toolAttributes(call.name, call.toolCallId, hookContext.stepIndex, drive.redactor),
          ...(typeof call.description === 'string' && call.description ? { [ATTR.toolDescription]: clip(call.description, MAX_DESCRIPTION_CHARS) } : {}),
          [ATTR.toolSideEffects]: call.sideEffects,
          [ATTR.toolOutcome]: 'executed',
        },
      }, drive.ctx);
      if (this.options.captureContent) safely(() => span.setAttribute(ATTR.toolCallArguments, this.content(call.args, drive.redactor)));
    } catch {
      return next();
    }
    const started = now();
    // The tool's own code runs in this context: spans it creates nest under execute_tool.
    return context.with(trace.setSpan(drive.ctx, span), async () => {
      try {
        const result = await next();
        safely(() => this.endTool(drive, span, call.name, result, started));
        return result;
      } catch (error) {
        safely(() => {
          const type = this.failSpan(span, error, drive.redactor);
          span.end();
          this.meters?.executeToolDuration.record(seconds(started), { ...this.toolMetricAttributes(call.name), [ATTR.errorType]: type });
        });
        throw error;
      }
    });
  }

  private toolAttributes(name: string, toolCallId: string, stepIndex: number, redactor: Redactor): Attributes {
    return {
      [ATTR.operationName]: 'execute_tool',
      [ATTR.toolName]: clip(name),
      // The model chooses the id: redacted as the audit log's copy is (the events instant spans are made from already are), then cut.
      [ATTR.toolCallId]: clip(redactor.text(toolCallId)),
      [ATTR.toolType]: 'function',
      [ATTR.stepIndex]: stepIndex,
    };
  }

  private toolMetricAttributes(name: string): Attributes {
    return {
      [ATTR.toolName]: name,
      [ATTR.toolType]: 'function',
      ...(this.options.agentName !== undefined ? { [ATTR.agentName]: this.options.agentName } : {}),
    };
  }

  private endTool(drive: Drive, span: Span, name: string, result: ToolMessage | undefined, started: number): void {
    // undefined: the run stopped while the tool ran; the call gets a synthetic result.
    // A tool's own typed code is any snake_case string of any length: cut like the other chosen strings (it is a metric attribute too).
    const errorType = result === undefined ? 'tool_cancelled' : result.isError ? clip(result.code ?? 'tool_failed') : undefined;
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      const message = result === undefined ? 'the run stopped while the tool ran' : typeof result.content === 'string' ? result.content : errorType;
      span.setStatus({ code: SpanStatusCode.ERROR, message: drive.redactor.text(message).slice(0, 1000) });
    } else if (this.options.captureContent && result) {
      safely(() => span.setAttribute(ATTR.toolCallResult, this.content(typeof result.content === 'string' ? result.content : toOtelMessages([result])[0]?.parts ?? [], drive.redactor)));
    }
    span.end();
    this.meters?.executeToolDuration.record(seconds(started), { ...this.toolMetricAttributes(name), ...(errorType !== undefined ? { [ATTR.errorType]: errorType } : {}) });
  }

  /** A tool call that was not executed (denied, rejected, replayed): an instant `execute_tool` span. */
  private instantTool(drive: Drive, event: { stepIndex: number; toolCallId: string; name: string }, outcome: string, errorType: string | undefined, message: string | undefined): void {
    const span = this.tracer.startSpan(`execute_tool ${clip(event.name)}`, {
      kind: SpanKind.INTERNAL,
      attributes: { ...this.toolAttributes(event.name, event.toolCallId, event.stepIndex, drive.redactor), [ATTR.toolOutcome]: outcome },
    }, drive.ctx);
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (message ?? errorType).slice(0, 1000) });
    }
    span.end();
  }

  // ── events: retries, refusals, approvals, stops, cost ───────────────────────────────────

  onEvent(event: RunEvent): void {
    safely(() => this.observe(event));
  }

  private observe(event: RunEvent): void {
    const drive = this.drives.get(event.runId);
    switch (event.type) {
      case 'model_retry': {
        const chat = drive?.chat;
        if (!chat) return;
        chat.retries++;
        chat.span.addEvent(EVENT.modelRetry, { [ATTR.errorType]: event.code, [ATTR.retryAttempt]: event.attempt, [ATTR.retryDelayMs]: event.delayMs });
        return;
      }
      case 'tool_denied':
      case 'tool_rejected':
        // Event text is already redacted by the runtime.
        if (drive) this.instantTool(drive, event, event.type === 'tool_denied' ? 'denied' : 'rejected', event.code, event.reason);
        return;
      case 'loop_warning':
        if (drive) this.instantTool(drive, event, 'rejected', 'loop_warning', `repeated ${event.repeats} times with identical arguments`);
        return;
      case 'tool_outcome_unknown':
        if (drive) this.instantTool(drive, event, 'unknown', 'tool_outcome_unknown', 'started before a crash; its outcome was not recorded');
        return;
      case 'tool_finished':
        if (drive && event.replayed) this.instantTool(drive, event, 'replayed', event.isError ? clip(event.code ?? 'tool_failed') : undefined, undefined);
        return;
      // Ids and names are the model's choice: cut like the span attributes that carry them.
      case 'approval_requested':
        // One step can pause thousands of calls: the event names the first MAX_EVENT_IDS of them and counts all.
        drive?.span.addEvent(EVENT.approvalRequested, {
          [ATTR.approvalToolCallIds]: event.approvals.slice(0, MAX_EVENT_IDS).map((approval) => clip(approval.toolCallId)),
          [ATTR.approvalCount]: event.approvals.length,
          [ATTR.stepIndex]: event.stepIndex,
        });
        return;
      case 'approval_decided':
        drive?.span.addEvent(EVENT.approvalDecided, { [ATTR.toolCallId]: clip(event.toolCallId), [ATTR.approvalDecision]: event.decision, [ATTR.stepIndex]: event.stepIndex });
        return;
      case 'late_result_discarded':
        drive?.span.addEvent(EVENT.lateResultDiscarded, { [ATTR.toolCallId]: clip(event.toolCallId), [ATTR.toolName]: clip(event.name), [ATTR.stepIndex]: event.stepIndex });
        return;
      case 'step_finished':
        if (drive && event.usage.costUsd > 0) {
          this.meters?.cost.add(event.usage.costUsd, {
            [ATTR.providerName]: drive.provider,
            [ATTR.requestModel]: drive.model,
            ...(this.options.agentName !== undefined ? { [ATTR.agentName]: this.options.agentName } : {}),
          });
        }
        return;
      case 'run_finished':
      case 'run_paused':
        this.meters?.runStops.add(1, {
          [ATTR.stopReason]: event.result.stopReason,
          [ATTR.runStatus]: event.result.status,
          ...(this.options.agentName !== undefined ? { [ATTR.agentName]: this.options.agentName } : {}),
        });
        return;
      default:
        return;
    }
  }
}

/**
 * The most tokens one model call is counted, as the runtime counts it (its `MAX_CALL_TOKENS`): a
 * server reporting `1e300` is read as this much, so a span's tokens agree with the run's usage.
 */
const MAX_CALL_TOKENS = 1_000_000_000;

/** A token count as the runtime reads it: a whole number from 0 to `MAX_CALL_TOKENS`; anything else (negative, NaN, text) is 0. */
function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), MAX_CALL_TOKENS) : 0;
}

/** A span context read back from a run annotation (persisted data: checked, never trusted). */
function spanContextOf(value: unknown): SpanContext | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { traceId, spanId, traceFlags } = value as Record<string, unknown>;
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
  const candidate: SpanContext = { traceId, spanId, traceFlags: typeof traceFlags === 'number' && Number.isInteger(traceFlags) ? traceFlags & 0xff : 0, isRemote: true };
  return isSpanContextValid(candidate) ? candidate : undefined;
}

/**
 * The plugin's hooks, to pass in `createRuntime({ hooks: [...] })` (or use `otelPlugin`).
 * Spans and metrics go to the given providers, else the global ones. Invalid options throw
 * `ConfigError` naming the field.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({ model, tools, hooks: [createOtelHooks({ agentName: 'support' })] });
 * ```
 */
export function createOtelHooks(options: OtelOptions = {}): RuntimeHooks {
  return new OtelInstrumentation(resolveOtelOptions(options));
}

/** @internal for the plugin, which validates with its own field prefix. */
export function hooksFromResolved(options: ResolvedOtelOptions): RuntimeHooks {
  return new OtelInstrumentation(options);
}
