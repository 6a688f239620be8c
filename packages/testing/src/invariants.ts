import { findPairingViolations, STOP_REASONS, verifyAuditEvents, type Message, type RunResult, type StateStore, type StoredRunEvent, type Tool } from '@agentrt/core';
import { SECRET_CANARIES } from './corpora/secrets.js';

/** Outcome of `checkRunInvariants`. */
export interface InvariantReport {
  readonly ok: boolean;
  /** One line per violation, prefixed with the invariant (`I1: …`). */
  readonly violations: readonly string[];
}

/** Input of `checkRunInvariants`. */
export interface RunInvariantsInput {
  readonly store: StateStore;
  readonly runId: string;
  readonly result?: RunResult<unknown>;
  /**
   * Secrets no event may hold (I6: the audit is redacted before it is written). Default
   * `SECRET_CANARIES`; `[]` turns the check off.
   */
  readonly secrets?: readonly string[];
  /**
   * The run's tools, when known: every call of a `non-idempotent` one the audit shows started
   * must have its intent in the tool ledger (recorded before the call), for that call.
   */
  readonly tools?: readonly Pick<Tool, 'name' | 'sideEffects'>[];
}

const TERMINAL = new Set(['completed', 'stopped', 'failed']);
const AFTER_STOP_FORBIDDEN = new Set(['model_request', 'tool_started', 'step_started']);
/**
 * The synthetic result the runtime gives a call it never started, when the run stopped or failed
 * (`<code>: not run: the run …`). (A call started whose wrapToolCall hook failed before calling
 * the tool says so in its own words: started in the audit, and rightly not run.)
 */
const NOT_RUN = /^(tool_cancelled|tool_timeout): not run: the run /;

/**
 * Checks RELIABILITY.md invariants on a finished run, through the public `StateStore`:
 * I1 one terminal record whose stop reason equals the result's; I2 contiguous, complete steps;
 * I3 tool pairing over the whole stored transcript; I5 usage and tool-call totals equal the sum
 * over steps (the finalize record of `limits.finalize` included), tool-call counts too, and no model/tool call started
 * after the stop (after `limit_reached`, only the finalize call); I6 every started tool call shown finished once in its drive and never
 * committed as "not run", contiguous audit sequence
 * (and hash chain when present) reaching the end the run record counts (its `lastEventSeq` and chain head), and no event holding the bytes of an image or file part of the
 * transcript, no event holding a secret (`secrets`, default `SECRET_CANARIES`), and each committed step with a
 * `step_finished` event agreeing with it (a step and its events are one write); I4 a `non-idempotent` call (as the ledger or
 * `tools` says) started at most once unless an approver approved the re-run, with its intent in the ledger;
 * I8 the `run_finished` event reproduces the stored result (up to redaction: an answer holding a secret is stored verbatim, shown `[REDACTED]` in the event). A step may end with one
 * user message only after a final answer (a structured-output repair request).
 */
export async function checkRunInvariants(input: RunInvariantsInput): Promise<InvariantReport> {
  const { store, runId, result } = input;
  const violations: string[] = [];
  const run = await store.getRun(runId);
  if (!run) return { ok: false, violations: [`I1: run ${runId} is not in the store`] };
  const steps = await store.loadSteps(runId);
  const events: StoredRunEvent[] = await store.listEvents(runId);

  // I1 — a run may be driven several times (pause → resume, retryable failure → resume), so
  // each drive (split at run_resumed) ends at most once, and a terminal run's last drive ends exactly once.
  const finished = events.filter((event) => event.type === 'run_finished');
  const segments: StoredRunEvent[][] = [[]];
  for (const event of events) {
    if (event.type === 'run_resumed') segments.push([]);
    segments.at(-1)!.push(event);
  }
  segments.forEach((segment, i) => {
    // A drive pauses at most once and finishes at most once (a paused run may be finished by a kill).
    for (const type of ['run_finished', 'run_paused'] as const) {
      const count = segment.filter((event) => event.type === type).length;
      if (count > 1) violations.push(`I1: drive ${i + 1} of the run recorded ${count} ${type} events`);
    }
  });
  const lastSegment = segments.at(-1)!;
  const lastFinished = lastSegment.filter((event) => event.type === 'run_finished');
  if (TERMINAL.has(run.status)) {
    if (!run.result) violations.push('I1: terminal run has no result');
    if (lastFinished.length !== 1) violations.push(`I1: expected exactly one run_finished event in the last drive, found ${lastFinished.length}`);
    if (run.result && run.result.status !== run.status) violations.push(`I1: stored status ${run.status} differs from result status ${run.result.status}`);
    if (result && run.result && result.stopReason !== run.result.stopReason) violations.push(`I1: result says ${result.stopReason}, store says ${run.result.stopReason}`);
    // The run's recorded reason is one of the reasons the contract names (a plugin's junk answer is not a reason).
    if (run.result && !(STOP_REASONS as readonly unknown[]).includes(run.result.stopReason)) violations.push(`I1: the stored stop reason ${JSON.stringify(run.result.stopReason)} is not a stop reason`);
  } else if (run.status === 'paused') {
    if (run.result?.stopReason !== 'awaiting_approval') violations.push('I1: paused run without an awaiting_approval result');
    if (lastFinished.length !== 0) violations.push('I1: paused run has a run_finished event in its last drive');
  } else {
    violations.push(`I1: run is still ${run.status}`);
  }

  // I2 + I3
  steps.forEach((step, i) => {
    if (step.stepIndex !== i) violations.push(`I2: step at position ${i} has index ${step.stepIndex}`);
    const first = step.messages[0];
    if (first?.role !== 'assistant') violations.push(`I2: step ${i} does not start with the assistant decision`);
    if (step.finalize) {
      // The finalize record (limits.finalize): the run's last record, one answer without tool calls.
      if (i !== steps.length - 1) violations.push(`I2: the finalize record ${i} is not the run's last record`);
      if (step.messages.length !== 1 || first?.role !== 'assistant' || first.toolCalls?.length) violations.push(`I2: the finalize record ${i} is not one assistant answer without tool calls`);
      if (step.toolCalls !== 0 || (step.toolCallsRefused ?? 0) !== 0) violations.push(`I2: the finalize record ${i} counts tool calls`);
    }
    step.messages.forEach((message, m) => {
      if (message.role !== 'user') return;
      const repair = m === step.messages.length - 1 && m === 1 && first?.role === 'assistant' && !first.toolCalls?.length;
      if (!repair) violations.push(`I2: step ${i} holds a user message at position ${m} that is not a repair request after a final answer`);
    });
  });
  if (run.stepCount !== steps.length) violations.push(`I2: run says ${run.stepCount} steps, store holds ${steps.length}`);
  const finalizeStep = steps.at(-1)?.finalize ? steps.at(-1) : undefined;
  if (run.result && run.status !== 'paused') {
    // The finalize call is recorded as one more record but is not a step of the result.
    const expected = steps.length - (finalizeStep ? 1 : 0);
    if (run.result.steps !== expected) violations.push(`I2: result counts ${run.result.steps} steps, the store holds ${expected}${finalizeStep ? ' plus the finalize record' : ''}`);
    if (run.result.finalized && !finalizeStep) violations.push('I2: the result is finalized but the store holds no finalize record');
    if (finalizeStep && run.result.stopReason !== finalizeStep.finalize!.stopReason && run.result.stopReason !== 'error') {
      violations.push(`I1: the finalize record answers ${finalizeStep.finalize!.stopReason}, the result says ${run.result.stopReason}`);
    }
  }
  for (const problem of findPairingViolations([...run.input, ...steps.flatMap((step) => step.messages)])) violations.push(`I3: ${problem}`);

  // I5
  const sum = steps.reduce(
    (acc, step) => ({
      input: acc.input + step.usage.inputTokens, output: acc.output + step.usage.outputTokens, cost: acc.cost + step.usage.costUsd,
      calls: acc.calls + step.toolCalls, refused: acc.refused + (step.toolCallsRefused ?? 0),
    }),
    { input: 0, output: 0, cost: 0, calls: 0, refused: 0 },
  );
  if (run.status !== 'paused' && !run.pendingStep) {
    if (run.usage.inputTokens !== sum.input || run.usage.outputTokens !== sum.output) violations.push(`I5: run usage ${run.usage.inputTokens}/${run.usage.outputTokens} differs from the sum over steps ${sum.input}/${sum.output}`);
    if (Math.abs(run.usage.costUsd - sum.cost) > 1e-9) violations.push(`I5: run cost ${run.usage.costUsd} differs from the sum over steps ${sum.cost}`);
    if (run.result && run.result.toolCalls !== sum.calls) violations.push(`I5: result counts ${run.result.toolCalls} tool calls, steps hold ${sum.calls}`);
    if (run.toolCalls !== sum.calls) violations.push(`I5: run counts ${run.toolCalls} tool calls, steps hold ${sum.calls}`);
    // Results and records written before the refused count existed have none (read as 0).
    if (run.result && (run.result.toolCallsRefused ?? 0) !== sum.refused) violations.push(`I5: result counts ${run.result.toolCallsRefused ?? 0} refused tool calls, steps hold ${sum.refused}`);
    if ((run.toolCallsRefused ?? 0) !== sum.refused) violations.push(`I5: run counts ${run.toolCallsRefused ?? 0} refused tool calls, steps hold ${sum.refused}`);
  }
  // After a limit was reached only the finalize call may follow: no tool call, no other model call.
  const limitIndex = events.findIndex((event) => event.type === 'limit_reached');
  if (limitIndex >= 0) {
    for (const event of events.slice(limitIndex + 1)) {
      if (event.type === 'run_resumed' || event.type === 'run_finished') break;
      if (event.type === 'tool_started' || (event.type === 'model_request' && !event.finalize) || (event.type === 'step_started' && !event.finalize)) {
        violations.push(`I5: ${event.type} (seq ${event.seq}) after limit_reached that is not the finalize call`);
      }
    }
  }
  const stopIndex = events.findIndex((event) => event.type === 'run_finished' || event.type === 'run_paused');
  if (stopIndex >= 0) {
    const resumedAfter = events.findIndex((event, i) => i > stopIndex && event.type === 'run_resumed');
    const tail = events.slice(stopIndex + 1, resumedAfter === -1 ? undefined : resumedAfter);
    for (const event of tail) if (AFTER_STOP_FORBIDDEN.has(event.type)) violations.push(`I5: ${event.type} (seq ${event.seq}) after the run stopped`);
  }

  // I6
  // Every call the audit shows started is shown finished, once, in the same drive (a drive that
  // crashed may end with a call in flight: its next drive settles it).
  segments.forEach((segment, i) => {
    if (!segment.some((event) => event.type === 'run_finished' || event.type === 'run_paused')) return;
    const open = new Map<string, number>();
    for (const event of segment) {
      if (event.type === 'tool_started') {
        const key = `${event.stepIndex}/${event.toolCallId}`;
        open.set(key, (open.get(key) ?? 0) + 1);
      } else if (event.type === 'tool_finished' && !event.replayed) {
        const key = `${event.stepIndex}/${event.toolCallId}`;
        const started = open.get(key) ?? 0;
        if (started === 0) violations.push(`I6: drive ${i + 1}: tool_finished (seq ${event.seq}) for call ${key} that the drive did not start`);
        else open.set(key, started - 1);
      }
    }
    for (const [key, count] of open) if (count > 0) violations.push(`I6: drive ${i + 1}: tool call ${key} started but never finished`);
  });
  // A call the audit shows started is never committed as "not run" (its tool ran: a failure after
  // it leaves its real result, "ran, result not kept", or tool_outcome_unknown).
  const startedCalls = new Set<string>();
  for (const event of events) if (event.type === 'tool_started') startedCalls.add(`${event.stepIndex}/${event.toolCallId}`);
  steps.forEach((step) => {
    for (const message of step.messages) {
      if (message.role !== 'tool' || typeof message.content !== 'string' || !NOT_RUN.test(message.content)) continue;
      if (startedCalls.has(`${step.stepIndex}/${message.toolCallId}`)) violations.push(`I6: step ${step.stepIndex} commits call ${message.toolCallId} as not run, but the audit shows it started`);
    }
  });
  // Against the end the run record counts (read before the events): a log stripped of its hashes,
  // or cut short at its end, still ends where the record says it does — as `verifyAudit` checks.
  const audit = verifyAuditEvents(events, { lastEventSeq: run.lastEventSeq, ...(run.lastEventHash !== undefined ? { lastEventHash: run.lastEventHash } : {}) });
  if (!audit.ok) violations.push(`I6: ${audit.problem?.message}`);
  // Every committed step's events are committed with it (one write: the step and its events,
  // `step_finished` last): each step record has a step_finished event, the last one agreeing with it.
  // (A step whose commit failed shows step_finished with the run's end, and again when a later drive
  // commits it; one drive finishes a step at most once.)
  const stepFinished = new Map<number, Extract<StoredRunEvent, { type: 'step_finished' }>[]>();
  segments.forEach((segment, i) => {
    const inDrive = new Set<number>();
    for (const event of segment) {
      if (event.type !== 'step_finished') continue;
      if (inDrive.has(event.stepIndex)) violations.push(`I6: drive ${i + 1} shows step ${event.stepIndex} finished twice (seq ${event.seq})`);
      inDrive.add(event.stepIndex);
      stepFinished.set(event.stepIndex, [...(stepFinished.get(event.stepIndex) ?? []), event]);
    }
  });
  for (const step of steps) {
    const event = stepFinished.get(step.stepIndex)?.at(-1);
    if (!event) {
      violations.push(`I6: step ${step.stepIndex} is committed but the audit holds no step_finished event for it (a step and its events are one write)`);
      continue;
    }
    if (event.toolCalls !== step.toolCalls || (event.toolCallsRefused ?? 0) !== (step.toolCallsRefused ?? 0) || event.usage.inputTokens !== step.usage.inputTokens || event.usage.outputTokens !== step.usage.outputTokens) {
      violations.push(`I6: the step_finished event of step ${step.stepIndex} (seq ${event.seq}) disagrees with the step record (usage or tool-call counts)`);
    }
  }

  // No secret in the audit: events are redacted before they are written (the stored result may keep an answer verbatim).
  const secrets = (input.secrets ?? SECRET_CANARIES).filter((secret) => secret.length > 0);
  if (secrets.length > 0) {
    for (const event of events) {
      const text = JSON.stringify(event);
      for (const secret of secrets) if (text.includes(secret)) violations.push(`I6: event ${event.type} (seq ${event.seq}) holds a secret (${secret.slice(0, 6)}…)`);
    }
  }

  // I4 — a non-idempotent call starts at most once over all drives (after a crash in its window it is
  // reported or re-approved, never silently re-run), and its intent is in the ledger before it starts.
  const ledger = await store.getToolLedger(runId);
  const ledgerOf = new Map(ledger.map((entry) => [`${entry.stepIndex}/${entry.toolCallId}`, entry]));
  const sideEffectsOf = new Map((input.tools ?? []).map((tool) => [tool.name, tool.sideEffects]));
  // A re-start is allowed only after an approver approved it (onUnknownOutcome: 'ask').
  const starts = new Map<string, { count: number; unapproved: number; name: string; seq: number; approved: boolean }>();
  for (const event of events) {
    if (event.type === 'approval_decided' && event.decision === 'approve') {
      const seen = starts.get(`${event.stepIndex}/${event.toolCallId}`);
      if (seen) seen.approved = true;
    }
    if (event.type !== 'tool_started') continue;
    const key = `${event.stepIndex}/${event.toolCallId}`;
    const seen = starts.get(key);
    if (!seen) starts.set(key, { count: 1, unapproved: 0, name: event.name, seq: event.seq, approved: false });
    else {
      seen.count++;
      if (!seen.approved) seen.unapproved++;
      seen.approved = false;
    }
  }
  for (const [key, { count, unapproved, name, seq }] of starts) {
    const entry = ledgerOf.get(key);
    const nonIdempotent = entry?.sideEffects === 'non-idempotent' || sideEffectsOf.get(name) === 'non-idempotent';
    if (!nonIdempotent) continue;
    if (unapproved > 0) violations.push(`I4: non-idempotent call ${key} (${name}) was started ${count} times, ${unapproved} of them again without an approval`);
    if (!entry) violations.push(`I4: non-idempotent call ${key} (${name}) started (seq ${seq}) with no intent in the tool ledger`);
    else if (entry.name !== name) violations.push(`I4: the ledger entry of call ${key} names ${entry.name}, the audit ${name}`);
  }

  const media = mediaData([...run.input, ...steps.flatMap((step) => step.messages)]);
  if (media.size > 0) {
    const logged = JSON.stringify(events);
    for (const data of media) if (logged.includes(data)) violations.push(`I6: the audit log holds the bytes of a media part (${data.length} base64 characters)`);
  }

  // I8
  const last = lastFinished.at(-1) ?? finished.at(-1);
  // Up to redaction: events are redacted before they are written, while the stored result keeps
  // the answer (`output`) verbatim, so a secret in an answer shows as [REDACTED] in the event.
  if (last && last.type === 'run_finished' && run.result && JSON.stringify(last.result) !== JSON.stringify(run.result) && !sameUpToRedaction(last.result, run.result)) {
    violations.push('I8: the run_finished event does not reproduce the stored result');
  }
  return { ok: violations.length === 0, violations };
}

/** Throws an error listing every violated invariant. */
export async function assertRunInvariants(input: RunInvariantsInput): Promise<void> {
  const report = await checkRunInvariants(input);
  if (!report.ok) throw new Error(`run ${input.runId} violates invariants:\n  ${report.violations.join('\n  ')}`);
}

const MARK = '[REDACTED]';

/**
 * Whether `shown` (a value as an event holds it) is `kept` (as the store holds it) with secrets
 * masked: equal, except that `[REDACTED]` in a string (or an object key) stands for one or more
 * characters, and a number or a string under a secret key may be `[REDACTED]` as a whole. Keys
 * redacted to the same text collapse into one key of the event.
 */
function sameUpToRedaction(shown: unknown, kept: unknown): boolean {
  if (typeof shown === 'string') {
    if (shown === kept) return true;
    if (!shown.includes(MARK)) return false;
    if (typeof kept === 'number') return shown === MARK;
    return typeof kept === 'string' && maskedFrom(shown, kept);
  }
  if (Array.isArray(shown)) return Array.isArray(kept) && shown.length === kept.length && shown.every((value, i) => sameUpToRedaction(value, kept[i]));
  if (typeof shown === 'object' && shown !== null) {
    if (typeof kept !== 'object' || kept === null || Array.isArray(kept)) return false;
    const shownObject = shown as Record<string, unknown>;
    const matchedBy = new Map<string, string[]>();
    for (const key of Object.keys(kept)) {
      const targets = Object.hasOwn(shownObject, key) ? [key] : Object.keys(shownObject).filter((candidate) => candidate.includes(MARK) && maskedFrom(candidate, key));
      if (targets.length === 0) return false;
      for (const target of targets) matchedBy.set(target, [...(matchedBy.get(target) ?? []), key]);
    }
    for (const [key, value] of Object.entries(shownObject)) {
      const sources = matchedBy.get(key);
      if (!sources) return false;
      // A key several kept keys were redacted to holds the last one's value.
      if (sources.length === 1 && !sameUpToRedaction(value, (kept as Record<string, unknown>)[sources[0]!])) return false;
    }
    return true;
  }
  return Object.is(shown, kept);
}

/** Whether `text` is `masked` with each `[REDACTED]` standing for one or more characters of it. */
function maskedFrom(masked: string, text: string): boolean {
  const pieces = masked.split(MARK);
  const first = pieces[0]!;
  const last = pieces.at(-1)!;
  if (!text.startsWith(first)) return false;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, at + 1);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return text.length - last.length >= at + 1 && text.endsWith(last);
}

/** Base64 data of the image and file parts in a transcript (each at least 16 characters: shorter strings could match by chance). */
function mediaData(messages: readonly Message[]): Set<string> {
  const out = new Set<string>();
  for (const message of messages) {
    if ((message.role !== 'user' && message.role !== 'tool') || typeof message.content === 'string') continue;
    for (const part of message.content) if (part.type !== 'text' && part.data !== undefined && part.data.length >= 16) out.add(part.data.slice(0, 64));
  }
  return out;
}
