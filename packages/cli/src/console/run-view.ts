import {
  AgentrtError, digestBase64, KILL_ALL_SCOPE, recordContent, verifyAuditEvents,
  type AgentRuntime, type AuditVerification, type KillFlag, type MessageContent, type MissingMediaPart, type Redactor, type RunRecord, type StateStore, type StoredRunEvent,
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
  /** `unknown` only for a damaged run whose record cannot be read at all (`RunView.damaged.recordUnreadable`). */
  readonly status: RunRecord['status'] | 'unknown';
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
  /** The sha256 of each media part whose bytes the store lost (`RunRecord.mediaMissing`): the run is damaged. */
  readonly mediaMissing?: readonly string[];
}

/**
 * What is damaged in a run whose stored state cannot be read whole (`getRun` is `state_corrupt`):
 * the console and `agentrt trace --html` show what is there with this marker instead of failing.
 */
export interface RunDamage {
  readonly code: 'state_corrupt';
  /** The store's message (redacted). */
  readonly message: string;
  /** The sha256 of each media part whose bytes the store lost (from the run's listed record). */
  readonly mediaMissing?: readonly string[];
  /** Not even the listing reads the run's record: the summary is a stand-in and only the events are shown. */
  readonly recordUnreadable?: true;
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
  /** Present when the run's stored state is damaged (`getRun` is `state_corrupt`): what is shown is what could be read. */
  readonly damaged?: RunDamage;
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

/**
 * User content as the run page shows it: media parts digested (`recordContent`), and a part whose
 * bytes the store lost (a listed record's `MissingMediaPart`) kept as such — `blob`, `missing: true`.
 */
function shownContent(content: MessageContent): unknown {
  if (!Array.isArray(content)) return recordContent(content);
  return content.map((part) => {
    const lost = part as unknown as MissingMediaPart;
    if (part.type !== 'text' && lost.missing === true && typeof lost.blob === 'string') {
      return { type: lost.type, mediaType: lost.mediaType, ...(typeof lost.filename === 'string' ? { filename: lost.filename } : {}), blob: lost.blob, missing: true };
    }
    return recordContent([part])[0];
  });
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
    ...(record.mediaMissing?.length ? { mediaMissing: [...record.mediaMissing] } : {}),
    ...(options.withInput ? { input: record.input.map((message) => ({ role: message.role, content: message.role === 'user' ? shownContent(message.content as MessageContent) : message.content })) } : {}),
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

const isCorrupt = (error: unknown) => AgentrtError.isInstance(error) && error.code === 'state_corrupt';

/** A run as the console reads it: whole, or damaged (its listed record when the listing reads it, and what is damaged). */
export type ReadRun =
  | { readonly record: RunRecord; readonly damaged?: undefined }
  | { readonly record: RunRecord | undefined; readonly damaged: RunDamage };

/**
 * Whether a run exists, without reading more than `getRun`: a run whose stored state is damaged
 * (`getRun` is `state_corrupt`) exists. Any other failure is thrown.
 */
export async function runExists(store: StateStore, runId: string): Promise<boolean> {
  try {
    return (await store.getRun(runId)) !== undefined;
  } catch (error) {
    if (isCorrupt(error)) return true;
    throw error;
  }
}

/**
 * Reads a run for showing it: `getRun`, or — when that is `state_corrupt` (a media blob the store
 * lost, a record that does not parse) — the run's record as `listRuns` gives it (lost media parts
 * marked `missing: true`, `mediaMissing`), with a `RunDamage` saying what is wrong. When the listing
 * does not read the record either, `record` is undefined (`recordUnreadable`). Undefined: no such
 * run. The listing reads every run, so it is only read for a damaged run.
 */
export async function readRun(store: StateStore, runId: string, redactor: Redactor): Promise<ReadRun | undefined> {
  try {
    const record = await store.getRun(runId);
    return record && { record };
  } catch (error) {
    if (!isCorrupt(error)) throw error;
    const message = redactor.text((error as Error).message);
    let listed: RunRecord | undefined;
    try {
      listed = (await store.listRuns()).find((run) => run.runId === runId);
    } catch {
      // the listing fails too (e.g. this record does not parse): the events are all there is
    }
    if (!listed) return { record: undefined, damaged: { code: 'state_corrupt', message, recordUnreadable: true } };
    return { record: listed, damaged: { code: 'state_corrupt', message, ...(listed.mediaMissing?.length ? { mediaMissing: [...listed.mediaMissing] } : {}) } };
  }
}

/** The summary of a run whose record cannot be read: its id and what its events tell (times), nothing guessed. */
export function standInSummary(runId: string, events: readonly StoredRunEvent[], redactor: Redactor): RunSummaryView {
  const at = (event: StoredRunEvent | undefined) => (typeof event?.at === 'string' ? event.at : '');
  return showable(redactor, {
    runId, status: 'unknown', steps: 0, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    createdAt: at(events[0]), updatedAt: at(events.at(-1)), pendingApprovals: [],
  });
}

/** Builds the whole view of one run (summary with transcript input, every event, audit verification); a damaged run's view says so (`damaged`). */
export async function buildRunView(runtime: AgentRuntime, runId: string): Promise<RunView> {
  const redactor = runtime.config.redactor;
  const read = await readRun(runtime.store, runId, redactor);
  if (!read) throw new AgentrtError('run_not_found', `run ${runId} does not exist`);
  const events = await runtime.store.listEvents(runId);
  const incident = await incidentStop(runtime.store);
  return {
    run: read.record ? summarizeRun(read.record, redactor, { withInput: true, withOutput: true }) : standInSummary(runId, events, redactor),
    events: events.map((event) => showable(redactor, event)),
    audit: showable(redactor, verifyAuditEvents(events)),
    limits: { maxSteps: runtime.config.limits.maxSteps, maxToolCalls: runtime.config.limits.maxToolCalls },
    ...(incident ? { incident: showable(redactor, { reason: incident.reason, at: incident.at }) } : {}),
    generatedAt: new Date().toISOString(),
    ...(read.damaged ? { damaged: read.damaged } : {}),
  };
}
