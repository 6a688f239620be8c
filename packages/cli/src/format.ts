import { contentText, type RunEvent, type RunRecord, type RunResult } from '@agentrt/core';

const flat = (text: string, max: number) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};
const args = (value: unknown) => flat(typeof value === 'string' ? value : JSON.stringify(value) ?? '', 80);

/** One line (or none) per event, as `agentrt trace` shows a run step by step. */
export function traceLine(event: RunEvent): string | undefined {
  const seq = event.seq !== undefined ? `#${String(event.seq).padStart(3, '0')} ` : '';
  switch (event.type) {
    case 'run_started':
      return `${seq}run started · tools: ${event.tools.join(', ') || 'none'}`;
    case 'run_resumed':
      return `${seq}run resumed at step ${event.fromStep + 1}`;
    case 'step_started':
      return `${seq}step ${event.stepIndex + 1}`;
    case 'model_request':
      return `${seq}  context   ${event.messageCount} of ${event.historyMessages} message(s) sent${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'model_response': {
      const calls = event.message.toolCalls ?? [];
      return `${seq}  decide    ${calls.length ? calls.map((c) => `${c.name}(${args(c.args)}) [${c.id}]`).join(', ') : `answer: ${flat(event.message.content, 100)}`} · ${event.usage.inputTokens}+${event.usage.outputTokens} tokens`;
    }
    case 'tool_finished':
      return `${seq}  act       ${event.name} → ${event.isError ? `${event.code}: ` : ''}${flat(contentText(event.content), 100)}${event.replayed ? ' (replayed)' : ''}`;
    case 'tool_denied':
    case 'tool_rejected':
      return `${seq}  refused   ${event.name}: ${event.code} — ${flat(event.reason, 80)}`;
    case 'approval_requested':
      return `${seq}  approval  needed for ${event.approvals.map((a) => `${a.tool}(${args(a.args)}) [${a.toolCallId}]`).join(', ')}`;
    case 'approval_decided':
      return `${seq}  approval  ${event.toolCallId}: ${event.decision}${event.reason ? ` (${event.reason})` : ''}`;
    case 'step_finished':
      return `${seq}  state     step ${event.stepIndex + 1} committed · ${event.toolCalls} tool call(s)`;
    case 'loop_warning':
      return `${seq}  warning   ${event.name} repeated ${event.repeats} times`;
    case 'model_retry':
      return `${seq}  retry     ${event.code} · attempt ${event.attempt} · waited ${event.delayMs} ms`;
    case 'run_killed':
      return `${seq}killed (${event.scope}): ${event.reason}`;
    case 'run_error':
      return `${seq}error ${event.code}: ${flat(event.message, 120)}`;
    case 'run_paused':
    case 'run_finished':
      return `${seq}${summary(event.result)}`;
    default:
      return undefined;
  }
}

/** The closing line of a run. */
export function summary(result: RunResult<unknown>): string {
  const cost = result.usage.costUsd ? ` · $${result.usage.costUsd.toFixed(4)}` : '';
  return `stop: ${result.stopReason}${result.stopDetail ? ` (${flat(result.stopDetail, 100)})` : ''} · ${result.steps} steps · ${result.toolCalls} tool calls · ${result.usage.inputTokens + result.usage.outputTokens} tokens${cost}`;
}

/** One row of `agentrt runs`. */
export function runRow(run: RunRecord): string {
  const stop = run.result?.stopReason ?? '-';
  return [run.runId.padEnd(38), run.status.padEnd(10), stop.padEnd(18), String(run.stepCount).padStart(5), run.createdAt].join('  ');
}
