import {
  AgentrtError, digestBase64, KILL_ALL_SCOPE, recordContent, verifyAuditEvents,
  type AgentRuntime, type AuditVerification, type KillFlag, type MessageContent, type Redactor, type RunRecord, type StateStore, type StoredRunEvent,
} from '@agentrt/core';
import { shownSteps } from '../format.js';

/** Longest string the console shows whole; longer ones are cut with a marker saying how much was left out. */
export const MAX_SHOWN_CHARS = 100_000;

/** A pending tool call as the console shows it: redacted args and the fingerprint an approval is bound to. */
export interface PendingApprovalView {
  readonly toolCallId: string;
  readonly tool: string;
  readonly args: unknown;
  readonly argsFingerprint: string;
  readonly stepIndex: number;
}

/** One run as the console lists and shows it. Every string has passed through the runtime's redactor. */
export interface RunSummaryView {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly stopReason?: string;
  readonly stopDetail?: string;
  readonly steps: number;
  readonly toolCalls: number;
  readonly toolCallsRefused?: number;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number; readonly costUsd: number };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string;
  /** The answer: text, or the structured (JSON) value of a run with an output schema. */
  readonly output?: unknown;
  readonly finalized?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly pendingApprovals: readonly PendingApprovalView[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** The initial transcript (system, user), media parts as digests. Only in `RunView`. */
  readonly input?: readonly { readonly role: string; readonly content: unknown }[];
}

/** Everything the run page (and `agentrt trace --html`) shows. */
export interface RunView {
  readonly run: RunSummaryView;
  /** The audit log (redacted, media as digests). The live console streams these instead. */
  readonly events: readonly StoredRunEvent[];
  readonly audit: AuditVerification;
  readonly limits: { readonly maxSteps: number; readonly maxToolCalls: number };
  readonly incident?: { readonly reason: string; readonly at: string };
  readonly generatedAt: string;
  /**
   * Only in `agentrt trace --html`: the bytes of the run's images and files, keyed by sha256, as
   * `data:` URLs (raster images to show, anything else to download), within a size budget.
   */
  readonly media?: Readonly<Record<string, { readonly image?: string; readonly download?: string; readonly name: string }>>;
}

/**
 * Makes a value safe to show: redacted, strings cut at `MAX_SHOWN_CHARS`, and media data replaced
 * by its digest — the console never ships base64 bytes, even if a store holds some.
 */
export function showable<T>(redactor: Redactor, value: T): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return v.length > MAX_SHOWN_CHARS ? `${v.slice(0, MAX_SHOWN_CHARS)}… [${v.length - MAX_SHOWN_CHARS} more characters not shown]` : v;
    if (v === null || typeof v !== 'object') return v;
    if (depth > 64) return '[nested too deep]';
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    let record = v as Record<string, unknown>;
    // A `data:` url (refused as input, but any process may write a store) is base64 by another name.
    if ((record.type === 'image' || record.type === 'file') && typeof record.url === 'string' && /^\s*data:/i.test(record.url)) {
      const head = record.url.slice(0, Math.min(80, record.url.indexOf(',') + 1 || 80));
      record = { ...record, url: `${head}… [${record.url.length - head.length} characters not shown]` };
    }
    if ((record.type === 'image' || record.type === 'file') && typeof record.data === 'string') {
      const { data, ...rest } = record;
      let digest: { sha256?: string; bytes?: number } = {};
      try {
        digest = digestBase64(data as string);
      } catch {
        // not base64: show the part without a digest
      }
      return walk({ ...rest, ...digest }, depth + 1);
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(record)) if (key !== '__proto__') copy[key] = walk(record[key], depth + 1);
    return copy;
  };
  return walk(redactor.value(value), 0) as T;
}

/** The run as listed, redacted; the run page adds its answer (`withOutput`) and initial transcript (`withInput`). */
export function summarizeRun(record: RunRecord, redactor: Redactor, options: { withInput?: boolean; withOutput?: boolean } = {}): RunSummaryView {
  const result = record.result;
  const summary: RunSummaryView = {
    runId: record.runId,
    status: record.status,
    ...(result?.stopReason ? { stopReason: result.stopReason } : {}),
    ...(result?.stopDetail ? { stopDetail: result.stopDetail } : {}),
    steps: shownSteps(record),
    toolCalls: record.toolCalls,
    ...(result?.toolCallsRefused ? { toolCallsRefused: result.toolCallsRefused } : {}),
    usage: { inputTokens: record.usage.inputTokens, outputTokens: record.usage.outputTokens, costUsd: record.usage.costUsd },
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(result && record.status !== 'paused' && record.status !== 'running' ? { endedAt: result.endedAt } : {}),
    ...(options.withOutput && result?.output !== undefined ? { output: result.output } : {}),
    ...(result?.finalized ? { finalized: true } : {}),
    ...(result?.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
    pendingApprovals: record.status === 'paused'
      ? (result?.pendingApprovals ?? []).map((pending) => ({ toolCallId: pending.toolCallId, tool: pending.tool, args: pending.args, argsFingerprint: pending.argsFingerprint, stepIndex: pending.stepIndex }))
      : [],
    ...(record.metadata ? { metadata: record.metadata } : {}),
    ...(options.withInput ? { input: record.input.map((message) => ({ role: message.role, content: message.role === 'user' ? recordContent(message.content as MessageContent) : message.content })) } : {}),
  };
  return showable(redactor, summary);
}

/** Most JSON characters of events one API answer or stream message carries (at least one event). */
export const MAX_PAGE_CHARS = 2 * 1024 * 1024;

/**
 * The store's events of a run after `afterSeq`, at most `limit`, made showable — and cut short once
 * they pass `maxChars` of JSON (default `MAX_PAGE_CHARS`; the first event always stays), so a page
 * of large events stays a few megabytes. Callers page on with the last event's `seq`.
 */
export async function showableEvents(store: StateStore, redactor: Redactor, runId: string, options: { afterSeq?: number; limit?: number; maxChars?: number } = {}): Promise<StoredRunEvent[]> {
  const { maxChars = MAX_PAGE_CHARS, ...query } = options;
  const events = await store.listEvents(runId, query);
  const out: StoredRunEvent[] = [];
  let chars = 0;
  for (const event of events) {
    const shown = showable(redactor, event);
    chars += JSON.stringify(shown).length;
    if (out.length && chars > maxChars) break;
    out.push(shown);
  }
  return out;
}

/** The incident stop in force (`killAll`), if any. */
export async function incidentStop(store: StateStore): Promise<KillFlag | undefined> {
  const flag = await store.getKillFlag(KILL_ALL_SCOPE);
  return flag?.scope === KILL_ALL_SCOPE ? flag : undefined;
}

/** Builds the whole view of one run (summary with transcript input, every event, audit verification). */
export async function buildRunView(runtime: AgentRuntime, runId: string): Promise<RunView> {
  const record = await runtime.store.getRun(runId);
  if (!record) throw new AgentrtError('run_not_found', `run ${runId} does not exist`);
  const redactor = runtime.config.redactor;
  const events = await runtime.store.listEvents(runId);
  const incident = await incidentStop(runtime.store);
  return {
    run: summarizeRun(record, redactor, { withInput: true, withOutput: true }),
    events: events.map((event) => showable(redactor, event)),
    audit: showable(redactor, verifyAuditEvents(events)),
    limits: { maxSteps: runtime.config.limits.maxSteps, maxToolCalls: runtime.config.limits.maxToolCalls },
    ...(incident ? { incident: showable(redactor, { reason: incident.reason, at: incident.at }) } : {}),
    generatedAt: new Date().toISOString(),
  };
}
